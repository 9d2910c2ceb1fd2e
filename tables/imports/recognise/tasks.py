"""The 年度主要任务 block of a 整体 form: 任务名称 | 主要内容 | 预算金额（总额 | 财政拨款 | 其他资金）.

Read as the `tasks` of target-table/2; its rows are then left out of the header
lines, so a task's 总额 is never read as the table's budget.
"""

from __future__ import annotations

from tables.imports.recognise.grid import Grid
from tables.imports.recognise.labels import is_label, normalise

TASK_COLUMNS = {
    "任务名称": "name",
    "主要内容": "content",
    "总额": "total",
    "合计": "total",
    "金额合计": "total",
    "财政拨款": "fiscal",
    "其他资金": "other",
}
BLOCK_LABEL = "年度主要任务"


def read_tasks(grid: Grid, rows: range) -> tuple[list[dict], set[int]]:
    """The tasks in `rows` (the part of the grid above the indicators) and the rows the block takes."""
    for r in rows:
        keys = _keys(grid, r)
        if "name" not in keys.values():
            continue
        if r + 1 in rows and {"total", "fiscal"} & set(_keys(grid, r + 1).values()):
            keys.update(_keys(grid, r + 1))
            height = 2
        else:
            height = 1
        tasks, taken = [], set(range(r, r + height))
        name_column = next(c for c, key in keys.items() if key == "name")
        if normalise(grid.text(r + height, name_column)) == BLOCK_LABEL:  # web text: the header lacks the label cell
            keys = {c + 1: key for c, key in keys.items()}
            name_column += 1
        for data_row in range(r + height, rows.stop):
            if not _is_task_row(grid, data_row, name_column):
                break
            taken.add(data_row)
            task = dict.fromkeys(("name", "content", "total", "fiscal", "other"))
            for c, key in keys.items():
                text = grid.text(data_row, c).strip()
                task[key] = (text.replace(",", "") if key in ("total", "fiscal", "other") else text) or None
            tasks.append(task)
        if r > 0 and normalise(grid.text(r - 1, 0)) == BLOCK_LABEL:
            taken.add(r - 1)
        return tasks, taken
    return [], set()


def _keys(grid: Grid, r: int) -> dict[int, str]:
    return {
        c: TASK_COLUMNS[normalise(cell.text)]
        for c, cell in enumerate(grid.rows[r])
        if normalise(cell.text) in TASK_COLUMNS
    }


def _is_task_row(grid: Grid, r: int, name_column: int) -> bool:
    first = normalise(grid.text(r, 0))
    if first and first != BLOCK_LABEL and is_label(grid.text(r, 0)):
        return False
    name = grid.text(r, name_column)
    return bool(name) and normalise(name) != BLOCK_LABEL and not is_label(name)
