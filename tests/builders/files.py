"""Every transcription of `tests/data/provinces` as the files a department brings, and the set's score.

`form_file(folder, name, source)` writes one transcription laid out as its form (`forms.form_grid`)
as `.xlsx`, `.docx` or copied cells (`.txt`); `score_set(folder)` reads every one of them through
`tables.imports.dispatch.read_tables` and scores what was read against the transcription
(`tables.imports.recognise.score`): the importer test asserts the overall figure, `make bench`
prints it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from .forms import form_grid
from .render import to_docx, to_tsv, to_xlsx

ROOT = Path(__file__).resolve().parents[2]
PROVINCES = ROOT / "tests" / "data" / "provinces"
LAYOUT_DATA = ROOT / "tables" / "layout_data"
FILES = sorted(path.name for path in PROVINCES.glob("*.json"))
SOURCES = {
    "xlsx": to_xlsx,
    "docx": to_docx,
    "txt": lambda grid: to_tsv(grid).encode("utf-8"),
}


@cache
def transcription(name: str) -> tuple[list[dict], dict]:
    """A file's tables (a list even where it holds one) and its family's layout record."""
    data = json.loads((PROVINCES / name).read_text(encoding="utf-8"))
    tables = data if isinstance(data, list) else [data]
    layout = json.loads((LAYOUT_DATA / f"{tables[0]['layout_family']}.json").read_text(encoding="utf-8"))
    return tables, layout


def form_file(folder: Path, name: str, source: str, table: dict | None = None) -> Path:
    """The transcription `name` (or `table`, in that file's layout) laid out as its form, saved as `source`."""
    tables, layout = transcription(name)
    grid = form_grid(table or (tables if len(tables) > 1 else tables[0]), layout)
    path = Path(folder) / f"{Path(name).stem}.{source}"
    path.write_bytes(SOURCES[source](grid))
    return path


def score_file(folder: Path, name: str, source: str):
    from tables.imports.dispatch import read_tables
    from tables.imports.recognise.score import score_tables

    tables, layout = transcription(name)
    return score_tables(tables, read_tables(form_file(folder, name, source), confirm=True).documents, layout)


def score_set(folder: Path) -> dict[tuple[str, str], object]:
    """(file, source) → its `Score`, for every transcription as every source."""
    return {(name, source): score_file(folder, name, source) for name in FILES for source in SOURCES}
