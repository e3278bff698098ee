"""unmask's WHOIS parser against python-whois on the 66 real WHOIS answers in shared/data.

For each tool (``unmask.ingest.whois.parse_whois`` and python-whois's
``whois.parser.WhoisEntry.load(domain, text)``, the domain taken from the file name) and each field
(registrar, creation date, expiry date, name servers): the share of files where the field is extracted, and
the agreement with ``whois_expected/<name>`` over the files where that has the field. Dates are compared
by day (a list of dates by its first), name servers as sets of lower-case host names (first word, no
trailing dot: the expected .eu list carries glue IPs in the name), registrars case-insensitively, trimmed.
Also: registrant fields found (name, organisation, street, city, state, postcode, country, phone, e-mail;
values that unmask's ``is_redacted`` calls a redaction or proxy do not count, for either tool), files
refused, and wall time for all files (best of ``--repeat`` runs) with the ratio.

whois_expected is python-whois's own output (an older release), so python-whois's agreement with it is
near-trivially high; for unmask it measures agreement with python-whois, not with the truth. The files
behind every disagreement are in the JSON (``disagreements``): some are python-whois's errors
(microsoft.com's registrar comes from a spam "Server Name" block; www.gov.uk's is "No registrar listed."),
some are choices (unmask drops nic.at's "( https://nic.at/registrar/434 )" from the registrar name and
reads Nominet's "before Aug-1996" as no date).

Prints a table to stderr and one JSON line of figures to stdout.

    python bench/whois_vs_pythonwhois.py [--data ../shared/data] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from unmask.ingest.whois import DomainRecord, is_redacted, parse_whois

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FIELDS = ("registrar", "created", "expires", "name_servers")
EXPECTED_KEYS = {
    "registrar": "registrar",
    "created": "creation_date",
    "expires": "expiration_date",
    "name_servers": "name_servers",
}
REGISTRANT_FIELDS = (
    "name",
    "organization",
    "street",
    "city",
    "state",
    "postcode",
    "country",
    "phone",
    "email",
)
# python-whois names registrant fields per registry class; these are the keys it uses for them
PYWHOIS_REGISTRANT = {
    "name": ("registrant_name", "name"),
    "organization": ("registrant_organization", "registrant_org", "org", "registrant_company_name"),
    "street": ("registrant_street", "registrant_address", "address"),
    "city": ("registrant_city", "city"),
    "state": ("registrant_state_province", "registrant_state", "state"),
    "postcode": ("registrant_postal_code", "zipcode", "registrant_zip_code"),
    "country": ("registrant_country", "country"),
    "phone": ("registrant_phone", "registrant_phone_number", "phone"),
    "email": ("registrant_email",),
}


def first(value: object) -> object:
    return value[0] if isinstance(value, list | tuple) and value else value


def day(value: object) -> str | None:
    """A date, datetime or "2008-03-26 16:18:03+00:00" string as "YYYY-MM-DD"."""
    value = first(value)
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str):
        m = re.match(r"(\d{4})-(\d{2})-(\d{2})", value.strip())
        return "-".join(m.groups()) if m else None
    return None


def hosts(value: object) -> frozenset[str] | None:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        return None
    out = set()
    for item in value:
        if isinstance(item, str) and item.split():
            host = item.split()[0].lstrip("-").strip().lower().rstrip(".")
            if "." in host:
                out.add(host)
    return frozenset(out) or None


def registrar(value: object) -> str | None:
    value = first(value)
    return " ".join(value.split()).lower() if isinstance(value, str) and value.strip() else None


NORMALISE: dict[str, Callable[[object], object]] = {
    "registrar": registrar,
    "created": day,
    "expires": day,
    "name_servers": hosts,
}


Files = list[tuple[str, str, dict | None]]  # (file name, raw text, expected dict or None)


def load(data: Path) -> Files:
    """(name, raw text, expected dict or None) for every raw WHOIS file."""
    base = data / "records" / "whois_rdap"
    out = []
    for path in sorted((base / "whois_raw").iterdir()):
        expected_path = base / "whois_expected" / path.name
        expected = None
        if expected_path.is_file():
            try:
                expected = json.loads(expected_path.read_text(encoding="utf-8"))
            except ValueError:
                expected = None  # two expected files are Python reprs, not JSON (and have no raw file)
        out.append((path.name, path.read_text(encoding="utf-8", errors="replace"), expected))
    return out


def unmask_fields(record: DomainRecord | None) -> tuple[dict[str, object], int]:
    if record is None:
        return {f: None for f in FIELDS}, 0
    found = {
        "registrar": registrar(record.registrar),
        "created": record.created,
        "expires": record.expires,
        "name_servers": frozenset(record.name_servers) or None,
    }
    registrant = [c for c in record.contacts if c.role == "registrant"]
    n = len({f for c in registrant for f in REGISTRANT_FIELDS if getattr(c, f)})
    return found, n


def pywhois_fields(entry: dict | None) -> tuple[dict[str, object], int]:
    if entry is None:
        return {f: None for f in FIELDS}, 0
    found = {f: NORMALISE[f](entry.get(EXPECTED_KEYS[f])) for f in FIELDS}
    n = 0
    for keys in PYWHOIS_REGISTRANT.values():
        values = [first(entry.get(k)) for k in keys]
        if any(isinstance(v, str) and v.strip() and not is_redacted(v) for v in values):
            n += 1
    return found, n


def run_unmask(files: Files) -> tuple[list[DomainRecord | None], list[str]]:
    out, refused = [], []
    for name, text, _ in files:
        try:
            out.append(parse_whois(text))
        except ValueError as exc:
            out.append(None)
            refused.append(f"{name}: {exc}")
    return out, refused


def run_pywhois(files: Files) -> tuple[list[dict | None], list[str]]:
    import whois  # python-whois; imported (and its modules cached) before the timed runs

    out, refused = [], []
    for name, text, _ in files:
        try:
            out.append(dict(whois.parser.WhoisEntry.load(name, text)))
        except Exception as exc:  # python-whois raises its own errors on dates it cannot read
            out.append(None)
            refused.append(f"{name}: {type(exc).__name__}: {str(exc)[:80]}")
    return out, refused


def timed(fn: Callable[[Files], tuple[list, list[str]]], files: Files, repeat: int) -> tuple[tuple, float]:
    best = float("inf")
    result = None
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        result = fn(files)
        best = min(best, time.perf_counter() - started)
    return result, best


def score(files: Files, results: list, fields_of: Callable[[object], tuple[dict[str, object], int]]) -> dict:
    n = len(files)
    extracted = dict.fromkeys(FIELDS, 0)
    agree = dict.fromkeys(FIELDS, 0)
    comparable = dict.fromkeys(FIELDS, 0)
    disagreements: dict[str, list[str]] = {f: [] for f in FIELDS}
    registrant_fields = 0
    files_with_registrant = 0
    for (name, _, expected), result in zip(files, results, strict=True):
        found, reg = fields_of(result)
        registrant_fields += reg
        files_with_registrant += reg > 0
        for f in FIELDS:
            extracted[f] += found[f] is not None
            want = NORMALISE[f](expected.get(EXPECTED_KEYS[f])) if expected else None
            if want is None:
                continue
            comparable[f] += 1
            if found[f] == want:
                agree[f] += 1
            else:
                disagreements[f].append(name)
    return {
        "extracted": {f: round(extracted[f] / n, 4) for f in FIELDS},
        "extracted_files": extracted,
        "agreement": {f: round(agree[f] / comparable[f], 4) if comparable[f] else None for f in FIELDS},
        "agree_files": agree,
        "comparable_files": comparable,
        "disagreements": disagreements,
        "registrant_fields": registrant_fields,
        "files_with_registrant_fields": files_with_registrant,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--repeat", type=int, default=3, help="timing runs per tool (best is kept)")
    args = parser.parse_args()
    if not (args.data / "records" / "whois_rdap" / "whois_raw").is_dir():
        print(f"no WHOIS samples under {args.data}/records/whois_rdap/whois_raw", file=sys.stderr)
        return 2
    files = load(args.data)
    (ours, our_refused), our_seconds = timed(run_unmask, files, args.repeat)
    result: dict = {"bench": "whois_vs_pythonwhois", "files": len(files), "repeat": args.repeat}
    result["unmask"] = score(files, ours, unmask_fields)
    result["unmask"]["refused"] = our_refused
    result["unmask"]["seconds"] = round(our_seconds, 4)
    result["unmask"]["privacy_service_files"] = sum(bool(r and r.privacy_service) for r in ours)
    try:
        import whois  # noqa: F401  (python-whois: import cost stays out of the timing)

        (theirs, their_refused), their_seconds = timed(run_pywhois, files, args.repeat)
    except ImportError as exc:
        result["python_whois"] = {"skipped": f"{type(exc).__name__}: {exc}"}
    else:
        result["python_whois"] = score(files, theirs, pywhois_fields)
        result["python_whois"]["refused"] = their_refused
        result["python_whois"]["seconds"] = round(their_seconds, 4)
        result["speed_ratio_pywhois_over_unmask"] = (
            round(their_seconds / our_seconds, 2) if our_seconds else None
        )

    lines = [f"WHOIS parsing, {len(files)} raw answers (agreement: vs whois_expected where it has the field)"]
    lines.append(f"{'field':<14}{'tool':<14}{'extracted':>12}{'agreement':>16}")
    for f in FIELDS:
        for tool in ("unmask", "python_whois"):
            r = result.get(tool, {})
            if "extracted" not in r:
                continue
            share = r["extracted"][f]
            agreement = r["agreement"][f]
            agreed = f"{r['agree_files'][f]}/{r['comparable_files'][f]}"
            agreement_text = f"{agreement:.0%} ({agreed})" if agreement is not None else "-"
            lines.append(f"{f:<14}{tool:<14}{share:>12.0%}{agreement_text:>16}")
    for tool in ("unmask", "python_whois"):
        r = result.get(tool, {})
        if "seconds" in r:
            lines.append(
                f"{tool}: {r['seconds']:.3f} s for all files; registrant fields {r['registrant_fields']} in "
                f"{r['files_with_registrant_fields']} files; refused {len(r['refused'])}"
            )
    if result.get("speed_ratio_pywhois_over_unmask"):
        lines.append(f"python-whois time / unmask time: {result['speed_ratio_pywhois_over_unmask']}")
    lines.append(
        "note: whois_expected is python-whois's own (older) output, so python-whois agrees with it almost by "
        "construction; the agreement column measures unmask against python-whois, not against the truth."
    )
    lines.append(
        "note: registrant fields exclude values unmask's is_redacted() calls a redaction or proxy, for both "
        "tools; python-whois's 'name'/'address'/… keys are counted as the registrant's."
    )
    print("\n".join(lines), file=sys.stderr)
    print(json.dumps(result, default=sorted))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
