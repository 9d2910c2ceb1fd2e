"""Re-take docs/screenshots/layouts/: page 1 of each shipped layout's print, and the published text beside it.

    .venv/bin/python scripts/layout_screenshots.py [--sources ../shared/provinces]

For every layout in tables/layout_data/, the first province transcription in that layout
(tests/data/provinces/) is printed to PDF and its first page rendered to `<code>.png`.
Where the transcription's published source text exists in the sources folder, its first
page is set in the same font (Noto Serif CJK) and rendered to `<code>-source.png`.
Needs poppler-utils (pdftoppm). Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots" / "layouts"
MAX_BYTES = 200_000
SOURCE_LINES = 160  # the published text's first lines (blank lines dropped), four columns to a page


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TESTING", "1")
    import django

    django.setup()


def transcriptions() -> dict[str, dict]:
    """The first transcription of each layout family, by layout code."""
    found: dict[str, dict] = {}
    for path in sorted((ROOT / "tests" / "data" / "provinces").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for table in data if isinstance(data, list) else [data]:
            found.setdefault(table["layout_family"], table)
    return found


def png(pdf: bytes, target: Path) -> None:
    """Page 1 of `pdf` as a PNG, at the highest resolution that stays under MAX_BYTES."""
    for dpi in (80, 70, 60, 50, 40):
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", "-", str(target.with_suffix(""))],
            input=pdf,
            check=True,
        )
        if target.stat().st_size <= MAX_BYTES:
            return
    raise SystemExit(f"{target.name} stays over {MAX_BYTES} bytes")


def source_pdf(text: str, title: str) -> bytes:
    from weasyprint import HTML  # here, after Django is set up (the fonts config is read then)

    lines = [line for line in text.splitlines() if line.strip()][:SOURCE_LINES]
    html = (
        "<html><head><style>@page{size:A4 landscape;margin:12mm}"
        "body{font-family:'Noto Serif CJK SC',serif;font-size:9pt}"
        "h1{font-family:'Noto Sans CJK SC',sans-serif;font-size:10pt;color:#555}"
        "pre{font-family:inherit;white-space:pre-wrap;line-height:1.3;column-count:4;column-gap:6mm;margin:0}"
        "</style></head>"
        f"<body><h1>公开文本（节选）：{escape(title)}</h1><pre>{escape(chr(10).join(lines))}</pre></body></html>"
    )
    return HTML(string=html).write_pdf()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=ROOT.parent.parent / "shared" / "provinces")
    args = parser.parse_args()
    setup()
    from tables.exports import render_pdf
    from tables.layouts import layout_as_dict

    OUT.mkdir(parents=True, exist_ok=True)
    tables = transcriptions()
    for path in sorted((ROOT / "tables" / "layout_data").glob("*.json")):
        layout = layout_as_dict(json.loads(path.read_text(encoding="utf-8")))
        code = layout["code"]
        data = tables[code]
        png(render_pdf(data, layout), OUT / f"{code}.png")
        source = args.sources / (data.get("source") or "-")
        if source.is_file():
            png(source_pdf(source.read_text(encoding="utf-8"), source.name), OUT / f"{code}-source.png")
        print(code, "with source" if source.is_file() else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
