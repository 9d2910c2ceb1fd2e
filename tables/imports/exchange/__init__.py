"""The JSON exchange format (`target-table/1` and `/2`, `target-booklet/1`): import and export.

Import validates the whole document before writing anything and runs in one
transaction, so a bad file leaves the database as it was. Errors are
`ExchangeError`s whose message names the file and the key, in Chinese
(`indicators[3].weight：应为数字文本…`). Import reads version 1 and version 2
(the keys other provinces' forms print, `tests/data/seeds/SCHEMA.md`); export
writes version 2, whose version-1 keys are exactly what version 1 wrote.

- `base`: the formats, `ExchangeError`, the key reader `_Reader`, `check_structure`;
- `reading`: one table of a document checked into a draft (`_read_table`);
- `record`: the version-2 keys of a table and of an indicator row;
- `writing`: `import_document` (drafts written in one transaction), `load_file`;
- `export`: `export_table`, `export_booklet`, and the querysets they read.

Keys a document may carry that are not stored (the transcriptions' `header_extra`,
`value_columns` and per-row `values`) are read past; `docs/layouts.md` says why.
"""

from tables.imports.exchange.base import (
    BOOKLET_FORMAT,
    INDICATOR_KEYS,
    MAX_DEPTH,
    TABLE_FORMAT,
    TABLE_FORMATS,
    TASK_KEYS,
    ExchangeError,
    ImportResult,
    check_structure,
)
from tables.imports.exchange.export import (
    BOOKLET_SHARED_STATUSES,
    attach_rows,
    booklet_tables,
    dumps,
    export_booklet,
    export_table,
    indicator_values,
    tables_for_export,
)
from tables.imports.exchange.writing import import_document, load_file

__all__ = [
    "BOOKLET_FORMAT",
    "BOOKLET_SHARED_STATUSES",
    "INDICATOR_KEYS",
    "MAX_DEPTH",
    "TABLE_FORMAT",
    "TABLE_FORMATS",
    "TASK_KEYS",
    "ExchangeError",
    "ImportResult",
    "attach_rows",
    "booklet_tables",
    "check_structure",
    "dumps",
    "export_booklet",
    "export_table",
    "import_document",
    "indicator_values",
    "load_file",
    "tables_for_export",
]
