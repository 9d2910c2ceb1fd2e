"""Import benchmark (issue 14): `run()` returns (figure, printed value) pairs.

- a 60-indicator province form as xlsx and as `.docx` (`tests.builders.forms.with_indicators` on the
  Chongqing project form), imported through `tables.imports.dispatch.import_path` into the database
  (read, recognised, checked and stored): the median of warm runs;
- the recognition score over every transcription in `tests/data/provinces` as xlsx, `.docx` and copied
  cells (`tests.builders.files.score_set`), overall and per source.

Targets: xlsx < 200 ms, `.docx` < 300 ms; score ≥ 95%.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORM = "15_Chongqing_2022_project.json"
INDICATORS = 60
RUNS = 7
TARGETS = {"xlsx": 0.200, "docx": 0.300}


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def time_import(folder: Path, source: str) -> float:
    """Median seconds of `import_path` on the 60-indicator form as `source` (the first, cold run left out)."""
    from tables.imports.dispatch import import_path
    from tests.builders.files import form_file, transcription
    from tests.builders.forms import with_indicators

    tables, _ = transcription(FORM)
    path = form_file(folder, FORM, source, table=with_indicators(tables[0], INDICATORS))
    (table,) = import_path(path).tables
    assert table.indicators.count() == INDICATORS, table.indicators.count()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        import_path(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run() -> list[tuple[str, str]]:
    _setup()
    from tables.imports.recognise.score import Score
    from tests.builders.files import SOURCES, score_set

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for source, target in TARGETS.items():
            seconds = time_import(Path(folder), source)
            verdict = "达标" if seconds < target else "未达标"
            rows.append(
                (
                    f"导入 {INDICATORS} 项指标的 .{source}（目标 < {target * 1000:.0f} ms）",
                    f"{seconds * 1000:.0f} ms {verdict}",
                )
            )
        scores = score_set(Path(folder))
    overall = sum(scores.values(), Score())
    rows.append(("识别得分：全部省份表样（xlsx、docx、复制的单元格）", str(overall)))
    for source in SOURCES:
        part = sum((score for (_, each), score in scores.items() if each == source), Score())
        rows.append((f"识别得分：.{source}", str(part)))
    return rows
