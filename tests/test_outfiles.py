"""The one output writer: path rule, atomic files, formula-safe CSV, XML-safe values, the writers on it."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from unmask.case import Case
from unmask.errors import OutputError, UnmaskError
from unmask.outfiles import (
    atomic,
    out_file,
    out_folder,
    safe_cell,
    write_csv,
    write_jsonl,
    write_text,
    xml_safe,
)

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name)


# -- formula cells ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("-2\n", "'-2\n"),  # a number followed by more is not a number
        ("-2.5", "-2.5"),
        ("+7", "+7"),
        ("-1e-3", "-1e-3"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_safe_cell(value: str, expected: str) -> None:
    assert safe_cell(value) == expected


def test_write_csv_neutralises_text_cells_and_leaves_numbers(tmp_path: Path) -> None:
    texts = ['=HYPERLINK("http://x")', "-2.5", "+7", "@a", "plain", None, "\tx", "-2+3+cmd|' /C calc'!A0"]
    table = pa.table(
        {
            "text": texts,
            "number": pa.array([-1.5, -2, 3, 4, 5, 6, 7, -8], pa.float64()),
            "coded": pa.array(texts).dictionary_encode(),
            "big": pa.array(texts, pa.large_string()),
            "view": pa.array(texts, pa.string_view()),
        }
    )
    rows = read_csv(write_csv(table, tmp_path / "t.csv"))
    expected = [
        '\'=HYPERLINK("http://x")',
        "-2.5",
        "+7",
        "'@a",
        "plain",
        "",
        "'\tx",
        "'-2+3+cmd|' /C calc'!A0",
    ]
    assert rows[0] == ["text", "number", "coded", "big", "view"]
    assert [r[0] for r in rows[1:]] == expected
    for column in (2, 3, 4):
        assert [r[column] for r in rows[1:]] == expected
    assert [float(r[1]) for r in rows[1:]] == [-1.5, -2, 3, 4, 5, 6, 7, -8]
    # The input table keeps its exact values (Parquet and JSON are written from it).
    assert table.column("text").to_pylist() == texts


def test_write_csv_of_rows_and_selected_columns(tmp_path: Path) -> None:
    rows = [{"id": "=1+2", "n": -3, "tags": ["-x"]}, {"id": "ok", "n": None, "extra": "@x"}]
    assert read_csv(write_csv(rows, tmp_path / "r.csv")) == [
        ["id", "n", "tags", "extra"],
        ["'=1+2", "-3", '["-x"]', ""],
        ["ok", "", "", "'@x"],
    ]
    table = pa.table({"a": ["=x"], "b": [1]})
    assert read_csv(write_csv(table, tmp_path / "s.csv", columns=["b", "a"])) == [["b", "a"], ["1", "'=x"]]


def test_write_csv_of_many_rows_is_vectorised(tmp_path: Path) -> None:
    n = 200_000
    values = np.where(np.arange(n) % 2 == 0, "=cmd", "-12")
    rows = read_csv(write_csv(pa.table({"v": values}), tmp_path / "big.csv"))
    assert len(rows) == n + 1 and rows[1] == ["'=cmd"] and rows[2] == ["-12"]


# -- XML-safe values --------------------------------------------------------------------------------------


def unescape_xml_safe(text: str) -> str:
    """The inverse of xml_safe as its docstring states the rule."""
    return re.sub(
        r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4})",
        lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(1)[1:], 16)),
        text,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\x1b", "a\\x1b"),
        ("a\\x1b", "a\\\\x1b"),  # a literal backslash-x stays apart from the escaped control character
        ("CORP\\alice", "CORP\\alice"),
        ("\ud800", "\\ud800"),
        ("\ufffe\uffff", "\\ufffe\\uffff"),
        ('tab\tLF\nCR\r </node> "', 'tab\tLF\nCR\r </node> "'),
        ("\x00\x7f", "\\x00\\x7f"),
    ],
)
def test_xml_safe(value: str, expected: str) -> None:
    assert xml_safe(value) == expected


@given(st.text(alphabet=st.sampled_from(["a", "x", "u", "1", "b", "\\", "\x1b", "\x00", "\ufffe", "\ud800"])))
def test_xml_safe_is_injective_and_clean(value: str) -> None:
    safe = xml_safe(value)
    assert not XML_FORBIDDEN.search(safe) and "\x7f" not in safe
    assert unescape_xml_safe(safe) == value


# -- paths ------------------------------------------------------------------------------------------------


def test_out_file_rule(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder: give a file name"):
        out_file(tmp_path)
    assert out_file(tmp_path / "new" / "r.html") == tmp_path / "new" / "r.html"
    assert (tmp_path / "new").is_dir()  # the last level is created
    with pytest.raises(OutputError, match=f"the folder {re.escape(str(tmp_path / 'a'))} does not exist"):
        out_file(tmp_path / "a" / "b" / "r.html")
    assert not (tmp_path / "a").exists()
    (tmp_path / "plain").write_text("x")
    with pytest.raises(OutputError, match="plain is a file, not a folder"):
        out_file(tmp_path / "plain" / "sub" / "out.csv")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        out_file(tmp_path / "plain" / "out.csv")


def test_out_folder_rule(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="f is a file, not a folder"):
        out_folder(tmp_path / "f")
    assert out_folder(tmp_path / "out").is_dir()
    with pytest.raises(OutputError, match="does not exist"):
        out_folder(tmp_path / "x" / "y")
    with pytest.raises(OutputError):
        out_folder(tmp_path / "f" / "y")


def test_no_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, where chmod does not stop writing: the check itself is simulated.
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(OutputError, match=r"cannot write in .*: permission denied"):
        out_file(tmp_path / "r.html")
    with pytest.raises(OutputError, match="permission denied"):
        out_folder(tmp_path / "new")
    assert not (tmp_path / "new").exists()


# -- atomic files -----------------------------------------------------------------------------------------


def test_atomic_replaces_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError), atomic(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".out.txt.partial-")
        tmp.write_text("half")
        raise RuntimeError("crash while writing")
    assert target.read_text() == "old" and not leftovers(tmp_path)
    write_jsonl(target, [{"a": "é"}, [1, 2]])
    assert target.read_text(encoding="utf-8") == '{"a": "é"}\n[1, 2]\n' and not leftovers(tmp_path)


def test_atomic_turns_os_errors_into_output_errors(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with pytest.raises(OutputError, match=r"cannot write .*out.txt: No space left"), atomic(target):
        raise OSError(28, "No space left on device")
    assert not target.exists() and not leftovers(tmp_path)
    assert issubclass(OutputError, UnmaskError)


def test_atomic_files_get_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = write_text(tmp_path / "r.txt", "x")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0o600


# -- the writers on it ------------------------------------------------------------------------------------


def test_report_paths(case: Case, tmp_path: Path) -> None:
    from unmask.report import write_report

    with pytest.raises(OutputError, match="is a folder"):
        write_report(case, tmp_path)
    with pytest.raises(OutputError, match="does not exist"):
        write_report(case, tmp_path / "a" / "b" / "r.html")
    assert write_report(case, tmp_path / "a" / "r.html").is_file()


def test_exports_paths_and_hostile_graph_ids(case: Case, tmp_path: Path, monkeypatch) -> None:
    from unmask import exports

    with pytest.raises(OutputError, match="does not exist"):
        exports.export_ftm(case, tmp_path / "missing" / "deeper" / "e.ftm.json")
    with pytest.raises(OutputError, match="does not exist"):
        exports.export_graph(case, tmp_path / "missing" / "deeper" / "g.gexf")
    ids = ["a", "a\x1b", "a\\x1b", "a\ufffe", "</node>", 'q"', "a\x01"]
    graph = nx.MultiDiGraph()
    for i, node in enumerate(ids):
        graph.add_node(node, label=node, schema="Person")
        if i:
            graph.add_edge(ids[0], node, label="rel\x1b", kind="k", weight=1.0, source=node, record=i)
    monkeypatch.setattr(exports, "link_graph", lambda case: graph)
    for fmt, read in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        out = tmp_path / f"new/g.{fmt}"
        assert exports.export_graph(case, out, fmt) == (len(ids), len(ids) - 1)
        back = read(out)
        assert sorted(back.nodes) == sorted(xml_safe(n) for n in ids)


def test_persona_plot_paths(tmp_path: Path) -> None:
    from unmask.persona.plots import rhythm_heatmap

    hist = np.zeros((7, 24), dtype=int)
    (tmp_path / "plain").write_text("x")
    with pytest.raises(OutputError):
        rhythm_heatmap(hist, tmp_path / "plain" / "sub" / "r.png", title="t")
    with pytest.raises(OutputError, match="does not exist"):
        rhythm_heatmap(hist, tmp_path / "a" / "b" / "r.png", title="t")
    assert rhythm_heatmap(hist, tmp_path / "a" / "r.png", title="t").is_file()
    assert not leftovers(tmp_path / "a")
