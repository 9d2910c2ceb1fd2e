"""How a stored table is told apart from the others of its organisation and year (the constraints of
`TargetTable.Meta`): a department table is the only one; a project table by its 项目编码, or, when it
has none (many provinces' forms print no code), by its 项目名称. An import finds the table it updates
by this rule, and a file whose tables would be stored as one table is refused naming both."""

from __future__ import annotations

from tables.models import TargetTable, table_identity


def table_lookup(kind: str, project_code: str | None = "", project_name: str | None = "") -> dict:
    """The fields, besides organisation and year, that find the stored table a table would replace."""
    return table_identity(kind, project_code, project_name)


def document_lookup(document: dict) -> dict:
    """`table_lookup` of a `target-table` document."""
    project = document.get("project") or {}
    return table_lookup(document.get("kind") or "", project.get("code"), project.get("name"))


def repeated_tables(documents: list[tuple[str, dict]]) -> list[str]:
    """Why project tables of one file would be stored as one table, each naming both places: the same
    项目编码, or no code and the same 项目名称, in one organisation and year. `documents`: (place, document)."""
    seen: dict[tuple, str] = {}
    found = []
    for where, document in documents:
        organisation = document.get("organization") or {}
        lookup = document_lookup(document)
        if lookup["kind"] != TargetTable.Kind.PROJECT:
            continue
        key = (organisation.get("code") or organisation.get("name"), document.get("year"), *sorted(lookup.items()))
        if key not in seen:
            seen[key] = where
            continue
        if lookup.get("project_code"):
            what = f"项目编码都是“{lookup['project_code']}”"
        else:
            what = f"项目名称都是“{lookup['project_name']}”，又都没有项目编码"
        found.append(
            f"{seen[key]}和{where}的两张表{what}，同一单位同一年度会存成同一张表："
            "请填写各自的项目编码，或改用不同的项目名称"
        )
    return found
