"""The package layout of docs/architecture.md: ingest reads files into the case and imports no engine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
INGEST = SRC / "unmask" / "ingest"
ENGINES = ("unmask.attribution", "unmask.coordination", "unmask.persona", "unmask.graph")


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path = SRC) -> set[str]:
    """Every module ``path`` (under ``root``) imports, at the top or inside a function, relative imports
    made absolute; ``from unmask import attribution`` counts as ``unmask.attribution``."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _is_engine(module: str) -> bool:
    return any(module == engine or module.startswith(engine + ".") for engine in ENGINES)


@pytest.mark.parametrize("path", sorted(INGEST.rglob("*.py")), ids=lambda p: p.name)
def test_ingest_imports_no_engine(path: Path) -> None:
    assert not sorted(filter(_is_engine, imported_modules(path)))


@pytest.mark.parametrize(
    "source",
    [
        "from unmask.attribution.names import parse_org",
        "import unmask.persona.engine",
        "from unmask import coordination",
        "from ..graph import build",
        "def f():\n    from unmask.attribution.payers import strip_disclaimer",
    ],
)
def test_the_check_sees_engine_imports(tmp_path: Path, source: str) -> None:
    """Each way of writing an import of an engine is caught (a module of ingest, as the checker reads it)."""
    module = tmp_path / "unmask" / "ingest" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text(source + "\n", encoding="utf-8")
    assert any(map(_is_engine, imported_modules(module, tmp_path)))
