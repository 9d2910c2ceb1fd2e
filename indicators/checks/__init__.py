"""Checks (智能审核): the rules a seasoned reviewer applies to a target table.

A rule is a function registered with `@rule(code, severity, title)` that reads
a `Context` (one table, parsed once) and yields `(location, message)` pairs;
the engine turns them into `Finding`s. Severities:

- ``error``   blocks submission;
- ``warning`` needs a written reason to submit;
- ``info``    a hint.

What differs by scheme or layout is data: the scheme's `params` (required 一级
categories, the satisfaction floor, the share of qualitative values that warns,
spending-plan floors, which 二级 names mean satisfaction / cost / timeliness)
and the layout's `blocks`, `budget_keys`, `columns` and `options`
(`budget_sums`, `budget_labels`, `required_fields`, `weight_bands`).

Entry points:

- `check_table(data, layout=…, scheme_tree=…, params=…)` on an exchange dict;
- `document_tables(data)`: the tables of a whole exchange file (a table or a booklet).

The checks read plain data and import nothing from `tables`: the adapter from
stored tables, shipped layouts and exchange files to this input is
`tables/checking.py` (`check_stored_table`, `check_document`, `shipped_layout`).

Layout of the package: `engine.py` (findings, the rule registry, the table read
once into a `Context`, running the rules) and one module per family of rules.
The families are imported below in the order findings of the same place are
listed in (the registry keeps registration order), so keep that order.
"""

from indicators.checks.engine import (
    DEFAULT_PARAMS,
    ERROR,
    INFO,
    RULES,
    SEVERITIES,
    SEVERITY_LABELS,
    WARNING,
    Context,
    Finding,
    Rule,
    TableReport,
    by_severity,
    check_table,
    document_tables,
    rule,
)

# isort: off
from indicators.checks import header  # noqa: F401  (registers its rules; the order matters)
from indicators.checks import money  # noqa: F401
from indicators.checks import plan  # noqa: F401
from indicators.checks import weights  # noqa: F401
from indicators.checks import categories  # noqa: F401
from indicators.checks import rows  # noqa: F401
from indicators.checks import indicator_values  # noqa: F401
from indicators.checks import record_rules  # noqa: F401
# isort: on

__all__ = [
    "DEFAULT_PARAMS",
    "ERROR",
    "INFO",
    "RULES",
    "SEVERITIES",
    "SEVERITY_LABELS",
    "WARNING",
    "Context",
    "Finding",
    "Rule",
    "TableReport",
    "by_severity",
    "check_table",
    "document_tables",
    "rule",
]
