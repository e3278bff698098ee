"""Every file unmask writes goes through here: one rule for output paths, atomic files, safe CSV and XML.

**Paths.** :func:`out_file` and :func:`out_folder` check a target before any long work starts. A missing
folder is created only when its own parent exists (at most the last level), so that a typo in ``--out``
does not silently build a tree of folders somewhere unexpected; otherwise the error says which folder is
missing. Problems are :class:`~unmask.errors.OutputError`, shown to the user as one line.

**Atomic files.** :func:`atomic` gives a temporary name in the target's folder (``.NAME.partial-XXXX``)
and moves it onto the target only when writing has finished: a crash or an error leaves the previous file
(or none), never a half-written one.

**CSV.** Values come from hostile input, and a spreadsheet runs a cell that starts with ``=`` as a formula
(CSV injection). :func:`write_csv` neutralises every text cell as OWASP recommends (:func:`safe_cell`);
numbers are left as they are. Parquet and JSON keep values exact.

**XML.** XML 1.0 cannot carry most control characters; :func:`xml_safe` escapes them visibly and without
merging two different values into one.

Example::

    >>> folder = out_folder(Path("out"))                                    # doctest: +SKIP
    >>> write_csv([{"account": "=HYPERLINK(...)", "score": 0.9}], folder / "a.csv")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from unmask.errors import OutputError

# OWASP, CSV injection: cells starting with these are read as formulas by Excel, LibreOffice, Sheets.
FORMULA_STARTS = "=+-@\t\r"
# A plain number ("-2.5", "+7", "1e-3") is data, not a formula: a spreadsheet reads it as that number.
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER_RE = re.compile(_NUMBER)
_FORMULA_RE2 = "^[" + re.escape(FORMULA_STARTS) + "]"
_NUMBER_RE2 = "^" + _NUMBER + "$"  # RE2 without multi-line mode: $ is the end of the text
# XML 1.0 Char excludes C0 controls but tab, LF and CR, surrogates, U+FFFE and U+FFFF; DEL is legal XML
# but igraph's GraphML writer refuses it, so it is escaped too.
_XML_BAD = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff"
_XML_ESCAPE_RE = re.compile(rf"[{_XML_BAD}]|\\(?=[xu\\{_XML_BAD}])")


# --- paths ----------------------------------------------------------------------------------------------


def out_file(path: Path) -> Path:
    """Check that ``path`` can be written as a file, creating its folder if only the last level is
    missing; raise :class:`OutputError` if not. Returns ``path``."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a folder: give a file name")
    _writable_folder(path.parent)
    return path


def out_folder(path: Path) -> Path:
    """Check that ``path`` is (or can be made) a writable folder, creating at most its last level; raise
    :class:`OutputError` if not. Returns ``path``."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} is a file, not a folder")
    _writable_folder(path)
    return path


def _writable_folder(folder: Path) -> None:
    if folder.is_dir():
        _check_access(folder)
        return
    if folder.exists():
        raise OutputError(f"{folder} is a file, not a folder")
    parent = folder.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{parent} is a file, not a folder")
    if not parent.is_dir():
        raise OutputError(f"the folder {parent} does not exist")
    _check_access(parent)
    try:
        folder.mkdir()
    except FileExistsError:
        if not folder.is_dir():  # made by someone else meanwhile: fine if it is a folder
            raise OutputError(f"{folder} is a file, not a folder") from None
    except OSError as e:
        raise OutputError(f"cannot create the folder {folder}: {e.strerror or e}") from e


def _check_access(folder: Path) -> None:
    # Creating a file needs write and search permission on its folder.
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in {folder}: permission denied")


# --- atomic files ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write; on success it replaces ``path``, on any error it is
    removed and ``path`` is left as it was. ``OSError`` (no space, no permission) becomes
    :class:`OutputError` naming ``path``."""
    path = out_file(Path(path))
    tmp = _temporary(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from e
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _temporary(path: Path) -> Path:
    # Made like mkstemp (exclusive create) but with mode 0o666 less the umask, so the finished file has the
    # permissions any other output would have, not mkstemp's 0o600.
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.partial-{secrets.token_hex(4)}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        except OSError as e:
            raise OutputError(f"cannot write {path}: {e.strerror or e}") from e
        return tmp
    raise OutputError(f"cannot write {path}: no free temporary name beside it")


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) atomically to ``path``."""
    with atomic(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_jsonl(path: Path, rows: Iterable[Any], default: Any = str) -> Path:
    """Write one JSON document a line (UTF-8, not ASCII-escaped) atomically to ``path``."""
    with atomic(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, default=default) + "\n")
    return Path(path)


# --- CSV ------------------------------------------------------------------------------------------------


def safe_cell(value: str) -> str:
    """``value`` with a leading ``'`` if a spreadsheet would read it as a formula: it starts with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return and is not a plain number (``-2.5`` stays ``-2.5``)."""
    if value and value[0] in FORMULA_STARTS and not _NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


def write_csv(data: pa.Table | list[dict[str, Any]], path: Path, columns: list[str] | None = None) -> Path:
    """Write a table or a list of rows as CSV (UTF-8, header first) atomically to ``path``, every text cell
    through :func:`safe_cell`. ``columns`` selects and orders them (default: all, in order of appearance)."""
    if isinstance(data, pa.Table):
        table = _safe_table(data.select(columns) if columns is not None else data)
        with atomic(path) as tmp:
            pacsv.write_csv(table, tmp)
    else:
        names = columns if columns is not None else list(dict.fromkeys(k for row in data for k in row))
        with atomic(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([safe_cell(str(n)) for n in names])
            for row in data:
                writer.writerow([_csv_value(row.get(n)) for n in names])
    return Path(path)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict | list | tuple):
        return safe_cell(json.dumps(value, ensure_ascii=False, default=str))
    return safe_cell(str(value))


def _safe_table(table: pa.Table) -> pa.Table:
    """Every text column neutralised, vectorised; numeric and other columns untouched."""
    for i, field in enumerate(table.schema):
        kind = field.type
        if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
            kind = kind.value_type
        if pa.types.is_string_view(kind):
            kind = pa.string()  # the regex kernels take plain and large strings only
        if kind != field.type:
            table = table.set_column(i, field.name, table.column(i).cast(kind))
        if _is_text(kind):
            table = table.set_column(i, field.name, _safe_column(table.column(i)))
    return table.rename_columns([safe_cell(n) for n in table.column_names])


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)


def _safe_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    risky = pc.and_(
        pc.match_substring_regex(column, _FORMULA_RE2),
        pc.invert(pc.match_substring_regex(column, _NUMBER_RE2)),
    )
    if not pc.any(risky).as_py():
        return column
    return pc.if_else(risky, pc.utf8_replace_slice(column, 0, 0, "'"), column)


# --- XML ------------------------------------------------------------------------------------------------


def xml_safe(value: str) -> str:
    """``value`` with every character XML 1.0 cannot carry replaced by a visible escape.

    The rule: a C0 control other than tab, LF and CR, and DEL, becomes ``\\xHH``; a lone surrogate, U+FFFE
    and U+FFFF become ``\\uHHHH``; a backslash that could be read as the start of such an escape (followed
    by ``x``, ``u``, another backslash or an escaped character) is doubled. Every
    other character, including a backslash before anything else (``CORP\\alice``), is kept. Reading ``\\\\``
    as one backslash and ``\\xHH``/``\\uHHHH`` as their character gives the value back, so two values that
    differ only in a control character stay two different strings.
    """
    return _XML_ESCAPE_RE.sub(_xml_escape, value)


def _xml_escape(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\\":
        return "\\\\"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


__all__ = [
    "atomic",
    "out_file",
    "out_folder",
    "safe_cell",
    "write_csv",
    "write_jsonl",
    "write_text",
    "xml_safe",
]
