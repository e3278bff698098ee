"""The report in a real browser: headless Chromium (Debian's, driven by Playwright; `.ci/run` installs it).

Nothing from the data may execute; hostile values must read as text; the page must load without console
errors, draw its network and show a node's evidence when the node is clicked. A screenshot of the demo
report is kept in ``build/test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import HOSTILE, hostile_case
from unmask.case import Case
from unmask.demo import records
from unmask.ingest import import_files
from unmask.report import write_report

CHROMIUM = os.environ.get("UNMASK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"

playwright = pytest.importorskip(
    "playwright.sync_api", reason="playwright is a test dependency: pip install -e '.[test]'"
)
if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does)", allow_module_level=True
    )


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _open(browser, path: Path) -> tuple:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on(
        "request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith("file:") else None
    )
    page.goto(path.as_uri())
    # Polled from here: Playwright's own waiting evaluates strings in the page, which the report's
    # Content-Security-Policy forbids.
    deadline = time.monotonic() + 15
    while not page.evaluate("window.unmaskReady === true"):
        if time.monotonic() > deadline:
            raise AssertionError(f"the report did not become ready in 15 s: {problems}")
        time.sleep(0.05)
    return page, problems


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    with Case.open(hostile_case(folder / "case.duckdb")) as case:
        return write_report(case, folder / "report.html")


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    from unmask.attribution.engine import run

    with Case.open(folder / "case.duckdb") as case:
        for kind, paths in records.write_records(folder / "files").items():
            import_files(case, records.FORMATS[kind], paths)
        run(case)
        return write_report(case, folder / "report.html")


def test_nothing_from_the_data_executes_and_every_value_reads_as_text(browser, hostile_report: Path) -> None:
    page, problems = _open(browser, hostile_report)
    assert page.evaluate("window.__pwned") is None
    assert problems == []
    text = page.evaluate("document.body.textContent")
    for value in HOSTILE:
        assert value.replace("\u200b", "") in text.replace("\u200b", ""), value
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed, form, base').length") == 0
    handlers = page.evaluate(
        "Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes))"
        ".filter(a => a.name.startsWith('on')).length"
    )
    assert handlers == 0
    assert page.evaluate("document.querySelectorAll('a[href^=\"javascript\"]').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 3
    assert page.evaluate("getComputedStyle(document.body).display") == "block"  # no injected style hid it
    # The evidence panel, too, writes values as text.
    node = page.evaluate("window.unmaskGraph.nodes('[kind = \"account\"]')[0].id()")
    page.evaluate(f"window.unmaskGraph.getElementById({node!r}).emit('tap')")
    panel = page.locator("#panel").inner_text()
    assert "<script>" in panel or "onerror" in panel or "javascript:" in panel
    assert page.evaluate("window.__pwned") is None
    page.close()


def test_the_demo_report_draws_its_network_and_shows_evidence_on_click(browser, demo_report: Path) -> None:
    page, problems = _open(browser, demo_report)
    assert problems == []
    assert page.evaluate("window.unmaskGraph.nodes().length") > 10
    assert page.locator("#graph canvas").count() > 0
    page.locator("#network-section").scroll_into_view_if_needed()
    position = page.evaluate(
        """() => {
            const cy = window.unmaskGraph;
            const n = cy.nodes().filter(n => n.data('label').startsWith('Voters for a Cleaner'))[0];
            cy.resize();  // cytoscape caches where its container is; the page has just scrolled
            cy.zoom(2.5);
            cy.center(n);  // zoomed in on it, so that no other node lies under the pointer
            const box = document.getElementById('graph').getBoundingClientRect();
            const p = n.renderedPosition();
            return {x: box.left + p.x, y: box.top + p.y};
        }"""
    )
    page.mouse.click(position["x"], position["y"])
    deadline = time.monotonic() + 5
    while not page.locator("#panel .evidence-row").count():
        selected = page.evaluate("window.unmaskGraph.$(':selected').map(n => n.id())")
        assert time.monotonic() < deadline, (position, selected, page.locator("#panel").inner_text()[:300])
        time.sleep(0.05)
    panel = page.locator("#panel").inner_text()
    assert "Voters for a Cleaner Alder Valley" in panel and "ads_archive.jsonl, record" in panel
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-network.png"))
    page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)
    page.close()


def test_a_network_opens_on_click_and_a_link_shows_its_rows(browser, tmp_path_factory) -> None:
    from conftest import network_campaign_case

    folder = tmp_path_factory.mktemp("campaign")
    with Case.open(network_campaign_case(folder / "c"), read_only=True) as case:
        report = write_report(case, folder / "report.html")
    page, problems = _open(browser, report)
    assert problems == []
    visible = "window.unmaskGraph.nodes().filter(n => n.visible()).map(n => n.id())"
    assert "op1" not in page.evaluate(visible)  # closed: the hub stands for its accounts
    hub = page.evaluate(
        "window.unmaskGraph.nodes('[kind = \"finding\"]').filter(n => n.id().includes('coordinated'))[0].id()"
    )
    page.evaluate(f"window.unmaskGraph.getElementById({hub!r}).emit('tap')")
    assert "op1" in page.evaluate(visible)
    page.evaluate(
        "window.unmaskGraph.edges().filter(e => e.data('label') === 'posted links to')[0].emit('tap')"
    )
    panel = page.locator("#panel").inner_text()
    assert "posted links to" in panel and "posts.jsonl, record 1" in panel
    assert page.locator("#campaigns").inner_text().count("findings joined") == 1
    page.close()
