"""Benchmark of suggested indicators (建议指标, indicators/suggestions.py): their quality and speed.

Quality, leave-one-out: every project table of the demo (tables/fixtures/demo, the seeds) and of the
provinces' corpus (tests/data/provinces) is imported and approved; for each in turn its indicators
are hidden (the table leaves the corpus), 10 suggestions are asked from its name and goal alone, and
recall@10 is the share of its real 三级 indicators that one of the ten means: the same `name_key`, or
a near-same name (`suggestions.near_same`: character-bigram Dice ≥ 0.6). Averaged over tables, beside
the baseline "the 10 most common indicators of the corpus" (the corpus without that table).

Speed: 10,000 more approved tables holding 100,000 indicators and 5,000 library entries are written
with bulk_create; the index build and a suggestion's whole path (the table's text and indicators,
the revision queries, the search; median of 20) are timed. Everything runs in a transaction that is
rolled back.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = [ROOT / "tables" / "fixtures" / "demo", ROOT / "tests" / "data" / "provinces"]
BULK_TABLES = 10_000
INDICATORS_PER_TABLE = 10
LIBRARY_ENTRIES = 5_000


def import_corpus() -> list[int]:
    """Import the demo's and the provinces' tables, approve the project tables; their ids."""
    from tables.imports.exchange import import_document, load_file
    from tables.models import TargetTable

    ids = []
    for folder in CORPUS:
        for path in sorted(folder.glob("*.json")):
            data = load_file(path)
            for document in data if isinstance(data, list) else [data]:
                ids += [table.pk for table in import_document(document, path.name).tables]
    projects = TargetTable.objects.filter(pk__in=ids, kind=TargetTable.Kind.PROJECT)
    projects.update(status=TargetTable.Status.APPROVED)
    return list(projects.filter(indicators__isnull=False).distinct().values_list("pk", flat=True))


def leave_one_out(index, table_ids: list[int], limit: int = 10) -> dict[str, float]:
    """Mean recall@`limit` over `table_ids` (tables of `index`): suggestions, and the most-common baseline."""
    from indicators.catalog import name_key
    from indicators.suggestions import Ask, core_key, near_same
    from tables.models import TargetTable
    from tables.suggesting import table_text

    docs = {doc.id: doc for doc in index.tables}
    used = Counter(key for doc in index.tables for key in {core_key(item.level3) for item in doc.items} if key)
    names = {}
    for doc in index.tables:
        for item in doc.items:
            names.setdefault(core_key(item.level3), item.level3)
    tables = TargetTable.objects.in_bulk(table_ids)
    recall, baseline, exact, ceiling = [], [], [], []
    for pk in table_ids:
        doc, table = docs[pk], tables[pk]
        real = list({core_key(item.level3): item.level3 for item in doc.items if core_key(item.level3)}.values())
        ask = Ask(table_text(doc.name, table.goal), doc.kind, exclude_table=pk)
        suggested = [s.item.level3 for s in index.suggest(ask, limit)]
        # the corpus without this table: its own indicators do not count towards the most common
        counts = used - Counter({core_key(name) for name in real})
        common = [names[key] for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
        recall.append(_hits(real, suggested, near_same) / len(real))
        baseline.append(_hits(real, common, near_same) / len(real))
        exact.append(_hits(real, suggested, lambda a, b: name_key(a) == name_key(b)) / len(real))
        # what any suggester drawing on the other tables and the library could find at best
        elsewhere = [item.level3 for other in index.tables if other.id != pk for item in other.items]
        elsewhere += [entry.item.level3 for entry in index.library]
        ceiling.append(_hits(real, elsewhere, near_same) / len(real))
    return {
        "tables": len(table_ids),
        "recall": statistics.mean(recall),
        "baseline": statistics.mean(baseline),
        "exact": statistics.mean(exact),
        "ceiling": statistics.mean(ceiling),
    }


def _hits(real: list[str], suggested: list[str], same) -> int:
    return sum(1 for name in real if any(same(name, other) for other in suggested))


def bulk_corpus(template_ids: list[int]) -> None:
    """10,000 approved project tables (100,000 indicators) shaped like the corpus, and 5,000 library entries."""
    from indicators.models import CatalogEntry, Indicator, LibraryField
    from tables.models import Organisation, TargetTable

    templates = list(TargetTable.objects.filter(pk__in=template_ids).prefetch_related("indicators"))
    places = ["东城", "西城", "南山", "北湖", "青山", "白河", "红旗", "新华", "长安", "永安"]
    organisations = Organisation.objects.bulk_create(
        Organisation(code=f"bench-s-{i}", name=f"{places[i % 10]}区第{i}局") for i in range(500)
    )
    tables = []
    for i in range(BULK_TABLES):
        template = templates[i % len(templates)]
        tables.append(
            TargetTable(
                organisation=organisations[i % len(organisations)],
                year=2015 + i % 10,
                layout_id=template.layout_id,
                kind=TargetTable.Kind.PROJECT,
                title=template.title,
                project_code=f"BENCH{i:06d}",
                project_name=f"{places[i % 10]}{template.project_name}（{i // len(templates)}期）",
                project_purpose=template.project_purpose,
                goal=template.goal,
                status=TargetTable.Status.APPROVED,
            )
        )
    tables = TargetTable.objects.bulk_create(tables, batch_size=1000)
    rows = []
    for i, table in enumerate(tables):
        source = list(templates[i % len(templates)].indicators.all())
        for position in range(1, INDICATORS_PER_TABLE + 1):
            row = source[(position - 1) % len(source)]
            rows.append(
                Indicator(
                    table=table,
                    position=position,
                    level1=row.level1,
                    level2=row.level2,
                    level3=row.level3 if position <= len(source) else f"{row.level3}（{position}）",
                    value=row.value,
                    basis=row.basis,
                    explanation=row.explanation,
                )
            )
    Indicator.objects.bulk_create(rows, batch_size=5000)
    fields = LibraryField.objects.bulk_create(LibraryField(name=f"基准领域{i}", position=i) for i in range(20))
    names = list({row.level3: row for row in rows}.values())
    CatalogEntry.objects.bulk_create(
        (
            CatalogEntry(
                field=fields[i % len(fields)],
                level1=(row := names[i % len(names)]).level1,
                level2=row.level2,
                level3=f"{row.level3}{i}",
                value=row.value,
                definition=f"反映{row.level3}的情况，按年度统计。",
                keywords=f"{row.level2} {places[i % 10]}",
                origin=CatalogEntry.Origin.WORKBOOK,
            )
            for i in range(LIBRARY_ENTRIES)
        ),
        batch_size=1000,
    )


def run() -> list[tuple[str, str]]:
    from django.db import transaction

    from indicators import suggestions
    from indicators.models import Indicator
    from tables.models import TargetTable
    from tables.suggesting import approved_docs, approved_revision, suggestions_for

    rows: list[tuple[str, str]] = []
    with transaction.atomic():
        corpus = import_corpus()
        suggestions.forget_index()
        index = suggestions.index(approved_revision(), approved_docs)
        quality = leave_one_out(index, corpus)
        rows += [
            ("建议指标 留一法：项目表数", str(quality["tables"])),
            ("建议指标 recall@10（同名或近同名）", f"{quality['recall']:.3f}"),
            ("基线：语料中最常用的 10 个指标 recall@10", f"{quality['baseline']:.3f}"),
            ("建议 / 基线", f"{quality['recall'] / quality['baseline']:.2f} 倍（要求 ≥ 2）"),
            ("建议指标 recall@10（仅同名）", f"{quality['exact']:.3f}"),
            ("上限：其他表与指标库中有同义指标的比例", f"{quality['ceiling']:.3f}"),
        ]

        started = time.perf_counter()
        bulk_corpus(corpus)
        written = f"{time.perf_counter() - started:.1f} s"
        rows.append(("写入 10,000 张已批复表 / 100,000 指标 / 5,000 条指标库", written))
        approved = Indicator.objects.filter(table__status=TargetTable.Status.APPROVED).count()
        rows.append(("已批复指标数", f"{approved:,}"))

        suggestions.forget_index()
        started = time.perf_counter()
        suggestions.index(approved_revision(), approved_docs)
        rows.append(("索引构建（每进程、语料变化时一次）", f"{(time.perf_counter() - started) * 1000:.0f} ms"))

        tables = list(TargetTable.objects.filter(pk__in=corpus).select_related("organisation")[:20])
        times = []
        for i in range(20):
            started = time.perf_counter()
            found = suggestions_for(tables[i % len(tables)], limit=10)
            times.append(time.perf_counter() - started)
        assert found, "no suggestion at scale"
        median = statistics.median(times) * 1000
        rows.append(("一次建议（中位数/20 次，含查询）", f"{median:.1f} ms（目标 < 50 ms）"))
        load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
        rows.append(("测量时机器负载（1/5/15 分钟平均）", load))
        transaction.set_rollback(True)
    suggestions.forget_index()
    return rows


if __name__ == "__main__":
    import sys

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TESTING", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench.sqlite3'}")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    for label, value in run():
        print(f"  {label:<48} {value}")
