"""``articles``: documents published under a byline, for persona forensics.

Three layouts:

- **JSON Lines** (``.jsonl``, ``.ndjson``, ``.json``, or a file whose first character is ``{``): one object
  a line with ``id, byline`` and ``text`` (or ``html``), optionally ``title, outlet, url, published_at,
  language``;
- **CSV or TSV** (``.csv``, ``.tsv``; the delimiter sniffed from the header) with the same columns;
- **a folder** of ``.txt`` and ``.html``/``.htm`` files (gzipped too) with a ``metadata.csv`` whose ``file``
  column names each file relative to the folder, beside ``byline`` and the optional fields (``id`` defaults
  to the file's path). Each row of ``metadata.csv`` is a record; a document file no row names is quarantined
  as a record of its own, after them.

HTML is reduced to the article text by trafilatura (:func:`reduce_html`): the main content, without
navigation, scripts, styles, reader comments or tables. Nothing is fetched and nothing is evaluated. A
record's text is its ``text`` when that is not blank, else its reduced ``html``. Every field is bounded by
the reader's limit (8 MiB), and every document file must be UTF-8. Checks that need no parsing (ids,
bylines, empty texts, times, duplicates) are SQL in :func:`unmask.ingest.document_stage.finalise_documents`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import duckdb

from unmask.errors import FormatError
from unmask.ingest.base import Reader, blank_to_none, file_sha256, folder_files, folder_sha256
from unmask.ingest.document_stage import DOCUMENT_STAGE_SCHEMA, finalise_documents
from unmask.ingest.jsonstream import FieldTypeError, cap_raw, json_id, json_str
from unmask.ingest.stage import Loaded, Stage
from unmask.ingest.textfile import (
    ENDS_EARLY,
    MAX_FIELD_CHARS,
    Record,
    check_text,
    csv_records,
    ends_early,
    jsonl_records,
    open_bytes,
    sniff_delimiter,
)

FIELDS = ("id", "byline", "text", "html", "title", "outlet", "url", "published_at", "language")
# A folder's metadata.csv: the file stands for the text.
FOLDER_FIELDS = ("file", "id", "byline", "title", "outlet", "url", "published_at", "language")
METADATA = "metadata.csv"
TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
_STAGE_NAMES = {"id": "doc_id", "published_at": "published_raw"}
_MIB = MAX_FIELD_CHARS >> 20
# Page furniture removed before extraction (a <form> may wrap a whole page, so forms stay).
_PRUNE = ("//nav", "//aside", "//noscript", "//body/header", "//body/footer")


class ArticlesReader(Reader):
    name = "articles"
    summary = "documents under a byline (JSONL, CSV, or a folder of .txt/.html with metadata.csv)"
    loads = "documents"
    stage_schema = DOCUMENT_STAGE_SCHEMA
    reads_folders = True

    def __init__(self, *, mapping: dict[str, str] | None = None, as_of: str | None = None):
        super().__init__(mapping=mapping, as_of=as_of)
        self.html_reduced = 0

    @classmethod
    def fingerprint(cls, path: Path) -> str:
        """A file's sha256; for a folder, the sha256 of its metadata and of every document file in it."""
        if not path.is_dir():
            return file_sha256(path)
        metadata = path / METADATA
        if not metadata.is_file():
            raise _no_metadata(path)
        return folder_sha256(document_files(path), start=f"{METADATA}\0{file_sha256(metadata)}\n")

    def finalise(self, con: duckdb.DuckDBPyConnection, source_id: int, timezone: str) -> Loaded:
        return finalise_documents(con, source_id, timezone)

    def new_row(self, record_no: int, line_no: int | None, raw: str | None, error: str | None = None) -> dict:
        return super().new_row(record_no, line_no, cap_raw(raw) if raw else raw, error)

    def stage(self, path: Path, stage: Stage) -> None:
        if path.is_dir():
            self._stage_folder(path, stage)
        else:
            head = check_text(path)
            suffix = _suffix(path)
            first = head.lstrip()[:1]
            if first == b"[" and suffix not in (".csv", ".tsv"):
                line = head[: len(head) - len(head.lstrip())].count(b"\n") + 1
                raise FormatError(
                    path,
                    "a JSON array, not JSON Lines: write one article object a line (jq -c '.[]' does)",
                    line=line,
                )
            if suffix in JSONL_SUFFIXES or (suffix not in (".csv", ".tsv") and first == b"{"):
                self._stage_jsonl(path, stage)
            else:
                self._stage_delimited(path, head, stage)
        if self.html_reduced:
            import trafilatura

            self.notes.append(
                f"{self.html_reduced} documents reduced from HTML to text by trafilatura "
                f"{trafilatura.__version__}"
            )

    # -- the three layouts --------------------------------------------------------------------------

    def _stage_jsonl(self, path: Path, stage: Stage) -> None:
        names = self._names(path, FIELDS)
        # An article has its text (or HTML) or its byline; a line without any is some other export's.
        shape = [names["text"], names["html"], names["byline"]]
        records = shaped = 0
        for rec, value in jsonl_records(path, on_bytes=stage.on_bytes, notes=self.notes):
            records += 1
            row = self.new_row(rec.record_no, rec.line_no, rec.raw, rec.error)
            if rec.error:
                pass
            elif not isinstance(value, dict):
                row["error"] = "not a JSON object (an article)"
            else:
                shaped += any(name in value for name in shape)
                try:
                    values = {
                        ours: _json_field(value[theirs], theirs)
                        for ours, theirs in names.items()
                        if theirs in value
                    }
                except FieldTypeError as exc:
                    row["error"], row["error_field"] = str(exc), exc.field
                else:
                    row.update(self._fields(values))
            stage.append(row)
        self.refuse_shapeless(path, records, shaped, f"a JSON object with {' or '.join(map(repr, shape))}")

    def _stage_delimited(self, path: Path, head: bytes, stage: Stage) -> None:
        names = self._names(path, FIELDS)
        delimiter = "\t" if _suffix(path) == ".tsv" else sniff_delimiter(path, head)
        records = csv_records(path, delimiter=delimiter, on_bytes=stage.on_bytes, notes=self.notes)
        index, header_line = self._header(path, records, names, required=("id", "byline"))
        if "text" not in index and "html" not in index:
            raise FormatError(
                path,
                "required column missing: a document needs 'text' or 'html'",
                line=header_line,
                field=names["text"],
            )
        self.stage_records(records, stage, lambda fields: self._fields(_pick(fields, index)))

    def _stage_folder(self, folder: Path, stage: Stage) -> None:
        metadata = folder / METADATA
        if not metadata.is_file():
            raise _no_metadata(folder)
        files = document_files(folder)
        names = self._names(metadata, FOLDER_FIELDS)
        head = check_text(metadata)
        records = csv_records(
            metadata, delimiter=sniff_delimiter(metadata, head), on_bytes=stage.on_bytes, notes=self.notes
        )
        index, _ = self._header(metadata, records, names, required=("file", "byline"))
        listed: set[str] = set()
        record_no = 0
        for rec in records:
            record_no = rec.record_no
            row = self.new_row(rec.record_no, rec.line_no, rec.raw, rec.error)
            if rec.fields is not None and not rec.error:
                row.update(self._file_fields(folder, files, _pick(rec.fields, index), listed, stage))
            stage.append(row)
        for rel in sorted(set(files) - listed):
            record_no += 1
            row = self.new_row(record_no, None, rel, f"not listed in {METADATA}")
            row["error_field"], row["file"] = "file", rel
            stage.append(row)

    # -- fields ----------------------------------------------------------------------------------------

    def _names(self, path: Path, fields: tuple[str, ...]) -> dict[str, str]:
        """Our field → the field to read in the file (``--map``)."""
        unknown = set(self.mapping) - set(fields)
        if unknown:
            raise FormatError(
                path, f"--map names unknown fields {sorted(unknown)}; fields are {', '.join(fields)}"
            )
        return {ours: self.mapping.get(ours, ours) for ours in fields}

    def _header(
        self, path: Path, records: Iterator[Record], names: dict[str, str], required: tuple[str, ...]
    ) -> tuple[dict[str, int], int]:
        """Our field → its column index, and the header's line; a required column missing is refused."""
        header: Record | None = next(records, None)
        if header is None:
            raise FormatError(path, "empty file: no header line", line=1)
        columns = [c.strip() for c in header.fields or []]
        for ours in required:
            if names[ours] not in columns:
                hint = f" (read as {ours!r} through --map)" if names[ours] != ours else ""
                raise FormatError(
                    path,
                    f"required column missing{hint}; the header has {len(columns)} columns: "
                    f"{', '.join(columns[:12])}",
                    line=header.line_no,
                    field=names[ours],
                )
        index = {ours: columns.index(theirs) for ours, theirs in names.items() if theirs in columns}
        return index, header.line_no

    def _fields(self, values: dict[str, str | None]) -> dict:
        """Staging columns from a record's fields: the text, or its HTML reduced to text."""
        row: dict = {
            _STAGE_NAMES.get(ours, ours): value
            for ours, value in values.items()
            if ours not in ("text", "html")
        }
        text, html = values.get("text"), values.get("html")
        if text is not None and text.strip():
            row["text"] = text
        elif html is not None and html.strip():
            try:
                row["text"] = reduce_html(html)
            # trafilatura and lxml on hostile HTML: whatever they raise is this record's fault, not ours.
            except Exception as exc:
                row["error"] = f"unreadable HTML: {type(exc).__name__}: {str(exc)[:200]}"
                row["error_field"] = "html"
                return row
            row["html_reduced"] = True
            self.html_reduced += 1
        return row

    def _file_fields(
        self,
        folder: Path,
        files: dict[str, Path],
        values: dict[str, str | None],
        listed: set[str],
        stage: Stage,
    ) -> dict:
        """Staging columns of one metadata row: its fields and the text of the file it names."""
        given = values.pop("file", None)
        if given is None:
            return _file_error(None, "missing file")
        rel = PurePosixPath(given.replace("\\", "/"))
        key = rel.as_posix()
        path = files.get(key)
        if path is None:
            return _file_error(given, _why_not_a_document(folder, rel, given))
        listed.add(key)
        values["id"] = values.get("id") or key
        name = json.dumps(key)
        try:
            with open_bytes(path) as fh:
                data = fh.read(MAX_FIELD_CHARS + 1)
                cut = ends_early(fh)
        except (OSError, FormatError) as exc:
            return _file_error(key, f"unreadable file: {getattr(exc, 'detail', exc)} ({name})")
        stage.on_bytes(len(data))
        if cut:
            return _file_error(key, f"truncated file: {ENDS_EARLY} ({name})")
        if len(data) > MAX_FIELD_CHARS:
            return _file_error(key, f"unreadable record: file larger than {_MIB} MiB: {name}")
        nul = data.find(b"\x00")
        if nul >= 0:
            return _file_error(key, f"not a text file (a NUL byte at offset {nul}): {name}")
        try:
            content = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            return _file_error(key, f"invalid UTF-8: on line {line} of {name}")
        is_html = _suffix(path) in HTML_SUFFIXES
        values["html" if is_html else "text"] = content
        row = self._fields(values)
        row["file"] = key
        return row


def _file_error(file: str | None, error: str) -> dict:
    return {"error": error, "error_field": "file", "file": file}


def _pick(fields: list[str], index: dict[str, int]) -> dict[str, str | None]:
    """A delimited record's fields by our names; blank metadata is None, a text is kept as written."""
    return {
        ours: (fields[i] if ours in ("text", "html") else blank_to_none(fields[i]))
        for ours, i in index.items()
    }


def _json_field(value: object, field: str) -> str | None:
    """A JSON value as the text of one of our fields; a wrong type or an oversized string is an error."""
    if field == "published_at" and isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    text = json_id(value, field) if field == "id" else json_str(value, field)
    if text is not None and len(text) > MAX_FIELD_CHARS:
        raise FieldTypeError(field, f"unreadable record: field {field!r} larger than {_MIB} MiB")
    return text


def reduce_html(html: str) -> str:
    """The article text of an HTML document, '' where none is found.

    trafilatura keeps the main content and drops navigation, headers and footers, scripts, styles, reader
    comments and tables; the headline usually stays. Navigation, asides and the page's own header and
    footer are pruned first, since trafilatura's fallbacks for short pages keep them. It is given the text
    itself: it fetches nothing, and its lxml parser loads no external resource (DTDs, entities). A fragment
    without an ``<html>`` element is wrapped in one, since trafilatura rejects a bare ``<p>…</p>`` as "not
    HTML".
    """
    import trafilatura

    _quiet_trafilatura()
    if "html" not in html[:50].lower():
        html = f"<html><body>{html}</body></html>"
    text = trafilatura.extract(
        html,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        with_metadata=False,
        output_format="txt",
        prune_xpath=list(_PRUNE),
    )
    return text or ""


def _quiet_trafilatura() -> None:
    """trafilatura logs what it thinks of each page; without a handler Python would print it to stderr."""
    logger = logging.getLogger("trafilatura")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def document_files(folder: Path) -> dict[str, Path]:
    """The document files of a folder and its subfolders, by path relative to it (``a/b.html``)."""
    return folder_files(folder, lambda p: _suffix(p) in TEXT_SUFFIXES + HTML_SUFFIXES)


def _why_not_a_document(folder: Path, rel: PurePosixPath, given: str) -> str:
    quoted = json.dumps(given[:200])
    if rel.is_absolute() or ".." in rel.parts:
        return f"file outside the folder: {quoted}"
    candidate = folder / rel
    try:
        is_file = candidate.is_file()
    except (OSError, ValueError):  # a name too long, or one the file system cannot hold
        is_file = False
    if not is_file:
        return f"no such file in the folder: {quoted}"
    if _suffix(candidate) not in TEXT_SUFFIXES + HTML_SUFFIXES:
        return f"not a .txt or .html file: {quoted}"
    # A document file that document_files() left out: reached through a symbolic link.
    return f"file outside the folder (through a symbolic link): {quoted}"


def _suffix(path: Path | PurePosixPath) -> str:
    """The suffix that says the format, under any ``.gz``: ``a.html.gz`` → ``.html``."""
    name = path.name.lower().removesuffix(".gz")
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


def _no_metadata(folder: Path) -> FormatError:
    return FormatError(
        folder,
        f"a folder of articles needs a {METADATA}: a row a document, with the columns file (relative to the "
        "folder) and byline, and optionally id, title, outlet, url, published_at, language",
        field=METADATA,
    )
