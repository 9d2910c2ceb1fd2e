"""The rules each row of the accounts workbook must keep, checked before anything is written.

The rules themselves (a user name, a duty, an e-mail, a 上级 …) are `tables/setup/duties.py`, the same
the set-up pages keep; this module applies them to the sheets' rows and names each cell.
"""

from __future__ import annotations

from django.db.models import Q

from tables.imports.accounts.workbook import MAX_ERRORS, NO, YES, _Row
from tables.models import Organisation
from tables.setup import duties


class _Problems(list):
    """The problems found so far, as "sheet!cell：message"; no more than MAX_ERRORS from the row checks."""

    def add(self, ref: str, message: str | None) -> None:
        if message and len(self) < MAX_ERRORS:
            self.append(f"{ref}：{message}")


def _check_organisations(org_rows: list[_Row], problems: _Problems) -> dict[str, _Row]:
    """Each organisation row's code and name; returns the rows with a good code, by code."""
    in_file: dict[str, _Row] = {}
    for row in org_rows:
        code = row.values["code"]
        message = _code_problem(code, in_file)
        problems.add(row.refs["code"], message)
        if message is None:
            in_file[code] = row
        problems.add(row.refs["name"], duties.name_problem(row.values["name"]))
    return in_file


def _code_problem(code: str, in_file: dict[str, _Row]) -> str | None:
    if not code:
        return "编码不能为空"
    if code in in_file:
        return f"编码“{code}”重复（第 {in_file[code].number} 行已有）"
    return duties.code_problem(code)


def _existing_organisations(in_file: dict[str, _Row], org_rows: list[_Row], user_rows: list[_Row]) -> dict:
    """The organisations already in the system that the workbook names, by what it wrote: the code,
    or, for an organisation that has none (唐山市丰润区财政局), its name."""
    named = (
        set(in_file)
        | {row.values.get("parent", "") for row in org_rows}
        | {row.values.get("organisation", "") for row in user_rows}
    ) - {""}
    found: dict[str, Organisation] = {}
    for org in Organisation.objects.filter(Q(code__in=named) | Q(code__isnull=True, name__in=named)):
        if org.code is None:
            found.setdefault(org.name, org)  # a code of another organisation wins over a name
        else:
            found[org.code] = org
    return found


def _check_parents(in_file: dict[str, _Row], existing: dict, problems: _Problems) -> None:
    """A 上级 is a 部门 (in the file or the system), and an organisation with units gets none."""
    for code, row in in_file.items():
        parent = row.values.get("parent", "")
        if not parent:
            continue
        problems.add(row.refs["parent"], _parent_problem(code, parent, in_file, existing))
        if code in existing and existing[code].units.exists():
            problems.add(row.refs["parent"], duties.has_units_problem(code))


def _parent_problem(code: str, parent: str, in_file: dict[str, _Row], existing: dict) -> str | None:
    if parent in in_file:
        is_unit = bool(in_file[parent].values.get("parent"))
    elif parent in existing:
        is_unit = existing[parent].parent_id is not None
    else:
        return f"找不到上级“{parent}”（本表和系统中都没有这个编码，也没有这个名称的无编码部门）"
    return duties.parent_problem(code, parent, is_unit)


def _check_users(user_rows: list[_Row], in_file: dict[str, _Row], existing: dict, problems: _Problems) -> None:
    """Each user row, rule by rule, in the order of the columns; then no row twice."""
    seen_roles: dict[tuple[str, str, str], int] = {}
    for row in user_rows:
        values, refs = row.values, row.refs
        problems.add(refs["username"], duties.username_problem(values["username"]))
        problems.add(refs["role"], duties.duty_problem(values["role"]))
        _check_user_organisation(row, in_file, existing, problems)
        problems.add(refs.get("include_units", ""), _include_problem(values.get("include_units", "")))
        problems.add(refs.get("email", ""), duties.email_problem(values.get("email", "")))
        problems.add(
            refs.get("password", ""),
            duties.password_problem(
                values.get("password", ""), values["username"], values.get("name", ""), values.get("email", "")
            ),
        )
        if len(values.get("name", "")) > 150:
            problems.add(refs["name"], "姓名过长（最多 150 个字符）")
        word = values["role"]
        role = duties.role_and_level(duties.WORDS[word])[0] if word in duties.WORDS else word
        key = (values["username"], values.get("organisation", ""), role)
        if key in seen_roles:
            problems.add(refs["role"], f"与第 {seen_roles[key]} 行重复（同一用户、同一部门、同一角色）")
        seen_roles[key] = row.number


def _check_user_organisation(row: _Row, in_file: dict[str, _Row], existing: dict, problems: _Problems) -> None:
    """Every duty but 管理员 needs an organisation, in the file or in the system (by code, or by name
    for one without a code)."""
    word, code = row.values["role"], row.values.get("organisation", "")
    if word not in duties.WORDS:
        return
    missing = duties.organisation_needed_problem(duties.WORDS[word], bool(code))
    if missing:
        problems.add(row.refs.get("organisation", row.refs["role"]), missing)
    elif code and duties.WORDS[word] != duties.Duty.ADMIN and code not in in_file and code not in existing:
        problems.add(
            row.refs["organisation"],
            f"找不到部门“{code}”（本表和系统中都没有这个编码，也没有这个名称的无编码部门）",
        )


def _include_problem(include: str) -> str | None:
    return None if include.upper() in YES | NO else f"“{include}”无效（填“是”或“否”）"
