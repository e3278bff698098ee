"""Rendering a report: one self-contained HTML page, Markdown, or JSON.

**Hostile content.** Post texts, names and URLs come from adversaries. In HTML every value from the case
goes through Jinja2's autoescaping; the data the page's script reads is embedded as JSON inside a
``<script type="application/json">`` with ``<``, ``>``, ``&`` and the two JavaScript line separators
escaped, and the script writes it into the page with ``textContent`` only, never as markup. No value is
made a link. A Content-Security-Policy allows no network access at all and only the page's own scripts,
by their hashes, so that even a value that escaped escaping could not load or run anything. In Markdown,
``<``, ``>`` and ``&`` become entities and table cells lose their pipes and line breaks.

The network view is cytoscape.js (MIT; bundled in the page, see ``static/cytoscape.LICENSE``); the page
needs nothing but itself, offline.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_STATIC = resources.files("unmask.report").joinpath("static")


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``</script>``, no ``<!--``, no line separators."""
    text = json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def _bars(timeline: dict, width: int = 720, height: int = 120) -> dict:
    """Rectangles of a bar timeline, scaled to the drawing (the template only places them)."""
    bars = timeline["bars"]
    top = max((b["n"] for b in bars), default=1) or 1
    step = width / max(len(bars), 1)
    return {
        "width": width,
        "height": height,
        "rects": [
            {
                "x": round(i * step, 2),
                "w": max(round(step - 1, 2), 1),
                "h": round(b["n"] / top * (height - 20), 2),
                "y": round(height - 20 - b["n"] / top * (height - 20), 2),
                "title": f"{b['t']}: {b['n']}",
            }
            for i, b in enumerate(bars)
        ],
        "first": bars[0]["t"] if bars else "",
        "last": bars[-1]["t"] if bars else "",
        "max": top,
    }


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("unmask.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["bars"] = _bars
    env.filters["values"] = lambda v: "; ".join(f"{k}: {x}" for k, x in (v or {}).items())
    env.filters["slug"] = lambda s: "".join(c if c.isalnum() else "-" for c in str(s))
    return env


def render_html(data: dict[str, Any]) -> str:
    """The report as one HTML page with its scripts, styles and data inside it."""
    library = _STATIC.joinpath("cytoscape.min.js").read_text(encoding="utf-8")
    app = _STATIC.joinpath("report.js").read_text(encoding="utf-8")
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src {_csp_hash(library)} {_csp_hash(app)}"
    )
    return (
        _environment()
        .get_template("report.html.j2")
        .render(data=data, data_json=script_json(page_data(data)), library=library, app=app, csp=csp)
    )


def page_data(data: dict[str, Any]) -> dict[str, Any]:
    """What the page's script reads: the graph, and each finding's claim and evidence for the panel (the
    rest of the report is in the page's HTML already)."""
    keep = ("finding_id", "title", "kind", "confidence", "claim", "evidence")
    return {"graph": data["graph"], "findings": [{k: f[k] for k in keep} for f in data["findings"]]}


def md_text(value: Any) -> str:
    """A value as Markdown text that renders as itself: HTML specials as entities, no table breaks."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for ch in "\\`*_[]|#":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def render_markdown(data: dict[str, Any]) -> str:
    meta, summary = data["meta"], data["summary"]
    lines = [
        "# unmask report",
        "",
        f"Case {md_text(meta['case'])}, generated {md_text(meta['generated_at'])} by unmask "
        f"{md_text(meta['unmask_version'])}.",
        "",
        f"{summary['posts']:,} posts by {summary['accounts']:,} accounts, "
        f"{summary['documents']:,} documents, {summary['entities']:,} record entities "
        f"from {summary['sources']:,} sources; {summary['findings']:,} findings.",
        "",
        "## Findings, most confident first",
        "",
        *([_no_findings(data), ""] if not data["findings"] else []),
        "| confidence | kind | claim | DISARM |",
        "|---|---|---|---|",
    ]
    for f in data["findings"]:
        calibrated = "" if f["calibrated"] else " (uncalibrated)"
        techniques = ", ".join(t["id"] for t in f["disarm"])
        claim = md_text(f["claim"])
        lines.append(f"| {f['confidence']:.3f}{calibrated} | {md_text(f['kind'])} | {claim} | {techniques} |")
    for f in data["findings"]:
        lines += ["", f"### {md_text(f['title'])}: {md_text(f['finding_id'])}", "", md_text(f["claim"]), ""]
        lines.append(
            f"Method {md_text(f['method']['name'])} {md_text(f['method']['version'])}. "
            f"Limitations: {md_text(f['limitations'])}"
        )
        lines += ["", "| source | record | values | note |", "|---|---|---|---|"]
        for e in f["evidence"]:
            values = "; ".join(f"{k}: {v}" for k, v in (e["values"] or {}).items())
            lines.append(
                f"| {md_text(e['source'])} | {md_text(e['record_no'])} | {md_text(values)} | "
                f"{md_text(e['note'])} |"
            )
        if f["evidence_total"] > len(f["evidence"]):
            lines.append(f"\n{f['evidence_total'] - len(f['evidence'])} more evidence rows are in the case.")
    if data["untested"]:
        lines += [
            "",
            "## Untested co-action",
            "",
            "Accounts that acted together, not tested against chance (no null model, or no crowd to test "
            "against): leads to read, not findings of coordination.",
        ]
    for f in data["untested"]:
        lines += ["", f"### {md_text(f['title'])}: {md_text(f['finding_id'])}", "", md_text(f["claim"]), ""]
        lines += [f"Limitations: {md_text(f['limitations'])}", ""]
        lines += ["| account | account | kind | objects | episodes |", "|---|---|---|---|---|"]
        for e in f["edges"]:
            lines.append(
                f"| {md_text(e['account_a'])} | {md_text(e['account_b'])} | {md_text(e['kind'])} | "
                f"{e['weight']} | {e['episodes']} |"
            )
    lines += [
        "",
        "## DISARM techniques observed",
        "",
        "| id | name | tactic | findings |",
        "|---|---|---|---|",
    ]
    for t in data["disarm"]:
        lines.append(f"| {t['id']} | {md_text(t['name'])} | {md_text(t['tactic'])} | {len(t['findings'])} |")
    if data["caps"]:
        lines += ["", "## What this report leaves out", ""] + [f"- {md_text(c)}" for c in data["caps"]]
    lines += ["", "DISARM framework: DISARM Foundation, CC BY-SA 4.0.", ""]
    return "\n".join(lines)


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, default=_default)


def _default(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _no_findings(data: dict[str, Any]) -> str:
    """What the ranking says when it is empty: nothing ran yet, or only untested co-action was found."""
    if data["untested"]:
        return "No tested findings: the untested co-action below was not tested against chance."
    return "No findings yet: run an engine on the case first."
