"""Printing data on a terminal: every value from input goes through :func:`visible`, tables fit the width.

Input files are written by adversaries: an account id, a byline or a quarantined line may hold an escape
sequence (``ESC[2J`` clears the screen, ``ESC]8;;URL`` plants a disguised link), a bidi override that
reverses what follows, or rich markup. :func:`visible` shows all of them as text; ``--json`` output does not
need it (JSON escapes control characters itself).

``visible("a\\x1b[2J [b]")`` is the text ``a\\x1b[2J \\[b]``: the escape shown as four characters, the markup
escaped for rich.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

# Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the marks LRM, RLM and ALM, and
# the line and paragraph separators some terminals break lines at.
_FORMAT_CONTROLS = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C, 0x2028, 0x2029]
_SHOWN = {
    **{c: f"\\x{c:02x}" for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]},
    **{c: f"\\u{c:04x}" for c in _FORMAT_CONTROLS},
    0x09: "\\t",
    0x0A: "\\n",
    0x0D: "\\r",
}


def visible(text: Any) -> str:
    """``text`` safe to print with rich: C0 and C1 controls, DEL and bidi controls shown as escapes
    (``\\x1b``, ``\\x9b``, ``\\u202e``; tab and newline as ``\\t`` and ``\\n``), then rich markup escaped."""
    return escape(_shown(text))


def _shown(text: Any) -> str:
    # Without the markup escaping: what the terminal will show, to measure.
    return str(text).translate(_SHOWN)


# JSON escapes C0 controls itself, but not C1 controls, DEL or bidi controls, which a terminal may obey.
_JSON_SHOWN = {c: f"\\u{c:04x}" for c in [0x7F, *range(0x80, 0xA0), *_FORMAT_CONTROLS]}


def json_text(text: str) -> str:
    """JSON text (from ``json.dumps``) with C1 controls, DEL and bidi controls written as ``\\u`` escapes:
    the same values, but nothing a terminal would act on."""
    return text.translate(_JSON_SHOWN)


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``1 hop``, ``2 hops``, ``1,000 records``: the count with the noun in the right number."""
    return f"{n:,} {noun if n == 1 else many or noun + 's'}"


def cell(value: Any) -> str:
    """A value as table text: floats to three decimals, times to the second, lists joined."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


# Values wrap between words, never inside one; a column wider than this is a long text (a claim, a raw line).
_SHORT = 24
_SENTENCE_WIDTH = 30  # a long text wrapped narrower than this reads one word a line


def table(title: str, rows: Sequence[dict[str, Any]], columns: list[str], width: int) -> RenderableType:
    """Rows as a table when it fits ``width`` without breaking a word, else one block of lines a row.

    A table squeezed into 80 columns breaks ids and kinds inside the word ("coordinat / ed-networ / k");
    a block per row keeps every value whole and still reads at any width.
    """
    cells = [[_shown(cell(row.get(c))) for c in columns] for row in rows]
    full = [max([cell_len(col), *(cell_len(r[i]) for r in cells)]) for i, col in enumerate(columns)]
    widths = _column_widths(columns, cells, full, width)
    if widths is None:
        return _blocks(title, columns, cells, width)
    grid = Table(title=visible(title), title_justify="left", show_edge=False, header_style="bold")
    for col, w, f in zip(columns, widths, full, strict=True):
        grid.add_column(visible(col), width=w, no_wrap=w >= f, overflow="fold")
    for values in cells:
        grid.add_row(*(escape(v) for v in values))
    return grid


def _column_widths(
    columns: list[str], cells: list[list[str]], full: list[int], width: int
) -> list[int] | None:
    """Each column's width, or None when the table cannot fit without breaking a word.

    Every column gets at least its longest word (long ones, sentences and raw records, at least 30
    characters), then the room left goes to the columns nearest their ``full`` width first.
    """
    widths = []
    for i, col in enumerate(columns):
        longest_word = max(
            (cell_len(w) for text in (col, *(r[i] for r in cells)) for w in text.split()), default=0
        )
        least = longest_word if full[i] <= _SHORT else max(longest_word, _SENTENCE_WIDTH)
        widths.append(min(full[i], least))
    # Each column has one space of padding either side and a rule between neighbours.
    spare = width - (3 * len(columns) - 1) - sum(widths)
    if spare < 0:
        return None
    for i in sorted(range(len(columns)), key=lambda i: full[i] - widths[i]):
        grow = min(full[i] - widths[i], spare)
        widths[i] += grow
        spare -= grow
    return widths


def _blocks(title: str, columns: list[str], cells: list[list[str]], width: int) -> RenderableType:
    """One block a row: short ``name: value`` pairs share a line, long ones have a line each."""
    parts: list[RenderableType] = [Text(_shown(title), style="italic")]
    room = max(20, width - 2)  # the indent
    for values in cells:
        line: list[str] = []
        for name, value in zip(columns, values, strict=True):
            if not value:
                continue
            pair = f"{name}: {value}"
            long = cell_len(pair) > room // 2
            if line and (long or cell_len("  ".join([*line, pair])) > room):
                parts.append(_Indented("  ".join(line)))
                line = []
            if long:
                parts.append(_Indented(pair))
            else:
                line.append(pair)
        if line:
            parts.append(_Indented("  ".join(line)))
        parts.append(Text(""))
    return Group(*parts[:-1] if cells else parts)


class _Indented:
    """A text wrapped between words at the width it is printed at, every line under a two-space indent
    (rich's Padding would fill each line with spaces to the full width)."""

    def __init__(self, text: str):
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        for line in Text(self.text).wrap(console, max(1, options.max_width - 2), overflow="fold"):
            line.rstrip()
            yield Text.assemble("  ", line)


def _no_stage(stage: str) -> None:
    pass


@contextmanager
def stages(console: Console, *, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A spinner with the running stage's name and the time spent, on a terminal only; ``quiet`` (--json)
    or a console that is not a terminal gets nothing. Yields the ``on_stage`` callback for the engines."""
    if quiet or not console.is_terminal:
        yield _no_stage
        return
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with progress:
        task = progress.add_task("starting", total=None)
        yield lambda stage: progress.update(task, description=visible(stage))
