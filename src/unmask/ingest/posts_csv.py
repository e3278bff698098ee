"""``posts-csv``: the generic post table, as CSV, TSV or JSON Lines.

Required columns ``post_id, account_id, created_at``; optional ``text, shared_post_id, reply_to_post_id,
quoted_post_id, urls, hashtags, mentions, lang, handle, display_name, platform``. List columns are
space-separated (or JSON arrays in JSON Lines). ``created_at`` is ISO 8601 or epoch seconds; a time without
a zone is read in the import's ``--timezone``. ``--map post_id=tweet_id`` reads another export's column
``tweet_id`` as ``post_id``.
"""

from __future__ import annotations

import json
from pathlib import Path

from unmask.errors import FormatError
from unmask.ingest.base import PostReader, blank_to_none, split_list
from unmask.ingest.stage import Stage
from unmask.ingest.textfile import check_text, csv_records, jsonl_records, sniff_delimiter

REQUIRED = ("post_id", "account_id", "created_at")
# The columns of the format as the issue names them, in order: what a writer of posts-csv files emits.
CORE_COLUMNS = (*REQUIRED, "text", "shared_post_id", "reply_to_post_id", "urls", "hashtags")
OPTIONAL = (
    "text",
    "shared_post_id",
    "reply_to_post_id",
    "quoted_post_id",
    "urls",
    "hashtags",
    "mentions",
    "lang",
    "handle",
    "display_name",
    "platform",
)
_LISTS = ("urls", "hashtags", "mentions")
_STAGE_NAMES = {"created_at": "created_raw"}
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


class PostsCsvReader(PostReader):
    name = "posts-csv"
    platform = "generic"
    summary = "generic posts table (CSV, TSV or JSONL): post_id, account_id, created_at, text, ..."

    def stage(self, path: Path, stage: Stage) -> None:
        head = check_text(path)
        if path.suffix.lower() in JSONL_SUFFIXES or head.lstrip()[:1] == b"{":
            self._stage_jsonl(path, stage)
        else:
            self._stage_delimited(path, head, stage)

    def _column_names(self) -> dict[str, str]:
        """Our column → the column to read in the file."""
        return {col: self.mapping.get(col, col) for col in REQUIRED + OPTIONAL}

    def _check_mapping(self, path: Path) -> None:
        unknown = set(self.mapping) - set(REQUIRED + OPTIONAL)
        if unknown:
            raise FormatError(
                path,
                f"--map names unknown columns {sorted(unknown)}; "
                f"columns are {', '.join(REQUIRED + OPTIONAL)}",
            )

    def _stage_delimited(self, path: Path, head: bytes, stage: Stage) -> None:
        self._check_mapping(path)
        delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(path, head)
        records = csv_records(path, delimiter=delimiter, on_bytes=stage.on_bytes, notes=self.notes)
        header = next(records)
        columns = [c.strip() for c in header.fields or []]
        index: dict[str, int] = {}
        for ours, theirs in self._column_names().items():
            if theirs in columns:
                index[ours] = columns.index(theirs)
            elif ours in REQUIRED:
                hint = f" (read as {ours!r} through --map)" if theirs != ours else ""
                raise FormatError(
                    path,
                    f"required column missing{hint}; the header has "
                    f"{len(columns)} columns: {', '.join(columns[:12])}",
                    line=header.line_no,
                    field=theirs,
                )

        def read(fields: list[str]) -> dict:
            row = {
                _STAGE_NAMES.get(ours, ours): split_list(fields[i])
                if ours in _LISTS
                else blank_to_none(fields[i])
                for ours, i in index.items()
            }
            row["platform"] = row.get("platform") or self.platform
            return row

        self.stage_records(records, stage, read)

    def _stage_jsonl(self, path: Path, stage: Stage) -> None:
        self._check_mapping(path)
        names = self._column_names()
        required = [names[c] for c in REQUIRED]
        records = shaped = 0
        for rec, value in jsonl_records(path, on_bytes=stage.on_bytes, notes=self.notes):
            records += 1
            row = self.new_row(rec.record_no, rec.line_no, rec.raw, rec.error)
            if rec.error:
                pass
            elif not isinstance(value, dict):
                row["error"] = "not a JSON object"
            else:
                shaped += any(name in value for name in required)
                for ours, theirs in names.items():
                    if theirs not in value:
                        continue
                    field = _json_field(value[theirs], ours in _LISTS)
                    if field is _BAD:
                        row["error"], row["error_field"] = f"field {theirs!r} has an unexpected type", theirs
                        break
                    row[_STAGE_NAMES.get(ours, ours)] = field
                row["platform"] = row.get("platform") or self.platform
            stage.append(row)
        self.refuse_shapeless(path, records, shaped, f"a JSON object with {' or '.join(map(repr, required))}")


_BAD = object()


def _json_field(value: object, is_list: bool) -> object:
    if value is None:
        return None
    if is_list:
        if isinstance(value, str):
            return value.split()
        if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
            return [str(v) for v in value]
        return _BAD
    if isinstance(value, bool):
        return _BAD
    if isinstance(value, str | int | float):
        return blank_to_none(str(value))
    if isinstance(value, dict | list):
        return _BAD
    return json.dumps(value)
