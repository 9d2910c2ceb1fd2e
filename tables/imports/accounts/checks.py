"""The rules each row of the accounts workbook must keep, one function a rule, checked before anything is written."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tables.imports.accounts.workbook import MAX_ERRORS, NO, ROLES, YES, _Row
from tables.models import Membership, Organisation


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
        problems.add(row.refs["name"], _name_problem(row.values["name"]))
    return in_file


def _code_problem(code: str, in_file: dict[str, _Row]) -> str | None:
    if not code:
        return "编码不能为空"
    if len(code) > 40:
        return "编码过长（最多 40 个字符）"
    if code in in_file:
        return f"编码“{code}”重复（第 {in_file[code].number} 行已有）"
    return None


def _name_problem(name: str) -> str | None:
    if not name:
        return "名称不能为空"
    if len(name) > 200:
        return "名称过长（最多 200 个字符）"
    return None


def _existing_organisations(in_file: dict[str, _Row], org_rows: list[_Row], user_rows: list[_Row]) -> dict:
    """The organisations already in the system that the workbook names, by code."""
    codes = (
        set(in_file)
        | {row.values.get("parent", "") for row in org_rows}
        | {row.values.get("organisation", "") for row in user_rows}
    )
    return {org.code: org for org in Organisation.objects.filter(code__in=codes - {""})}


def _check_parents(in_file: dict[str, _Row], existing: dict, problems: _Problems) -> None:
    """A 上级 is a 部门 (in the file or the system), and an organisation with units gets none."""
    for code, row in in_file.items():
        parent = row.values.get("parent", "")
        if not parent:
            continue
        problems.add(row.refs["parent"], _parent_problem(code, parent, in_file, existing))
        if code in existing and existing[code].units.exists():
            problems.add(row.refs["parent"], f"“{code}”在系统中已有下属单位，不能再设上级")


def _parent_problem(code: str, parent: str, in_file: dict[str, _Row], existing: dict) -> str | None:
    if parent == code:
        return "上级编码不能是自己"
    if parent in in_file:
        is_unit = bool(in_file[parent].values.get("parent"))
    elif parent in existing:
        is_unit = existing[parent].parent_id is not None
    else:
        return f"找不到上级编码“{parent}”（既不在本表中，也不在系统中）"
    return f"上级“{parent}”本身是下属单位；上级只能是部门" if is_unit else None


def _check_users(user_rows: list[_Row], in_file: dict[str, _Row], existing: dict, problems: _Problems) -> None:
    """Each user row, rule by rule, in the order of the columns; then no row twice."""
    seen_roles: dict[tuple[str, str, str], int] = {}
    for row in user_rows:
        values, refs = row.values, row.refs
        problems.add(refs["username"], _username_problem(values["username"]))
        problems.add(refs["role"], _role_problem(values["role"]))
        _check_user_organisation(row, in_file, existing, problems)
        problems.add(refs.get("include_units", ""), _include_problem(values.get("include_units", "")))
        problems.add(refs.get("email", ""), _email_problem(values.get("email", "")))
        problems.add(refs.get("password", ""), _password_problem(values))
        if len(values.get("name", "")) > 150:
            problems.add(refs["name"], "姓名过长（最多 150 个字符）")
        role = values["role"]
        key = (values["username"], values.get("organisation", ""), ROLES[role][0] if role in ROLES else role)
        if key in seen_roles:
            problems.add(refs["role"], f"与第 {seen_roles[key]} 行重复（同一用户、同一部门、同一角色）")
        seen_roles[key] = row.number


_username_ok = UnicodeUsernameValidator()


def _username_problem(username: str) -> str | None:
    if not username:
        return "用户名不能为空"
    if len(username) > 150:
        return "用户名过长（最多 150 个字符）"
    try:
        _username_ok(username)
    except ValidationError:
        return f"用户名“{username}”无效（只能包含文字、数字和 @ . + - _）"
    return None


def _role_problem(role: str) -> str | None:
    return None if role in ROLES else f"角色“{role}”无效（应为 {'、'.join(ROLES)}）"


def _check_user_organisation(row: _Row, in_file: dict[str, _Row], existing: dict, problems: _Problems) -> None:
    """Every role but 管理员 needs an organisation, in the file or in the system."""
    role, code = row.values["role"], row.values.get("organisation", "")
    if role not in ROLES or ROLES[role][0] == Membership.Role.ADMIN:
        return
    if not code:
        problems.add(row.refs.get("organisation", row.refs["role"]), f"{role}须填写部门编码")
    elif code not in in_file and code not in existing:
        problems.add(row.refs["organisation"], f"找不到部门编码“{code}”（既不在本表中，也不在系统中）")


def _include_problem(include: str) -> str | None:
    return None if include.upper() in YES | NO else f"“{include}”无效（填“是”或“否”）"


def _email_problem(email: str) -> str | None:
    if not email:
        return None
    try:
        validate_email(email)
    except ValidationError:
        return f"邮箱“{email}”格式不正确"
    return None


def _password_problem(values: dict[str, str]) -> str | None:
    """An initial password passes AUTH_PASSWORD_VALIDATORS, judged against the user it is for."""
    password, username = values.get("password", ""), values["username"]
    if not password:
        return None
    someone = get_user_model()(username=username, first_name=values.get("name", ""), email=values.get("email", ""))
    try:
        validate_password(password, user=someone)
    except ValidationError as exc:
        return f"用户“{username}”的初始密码不符合要求：{''.join(exc.messages)}"
    return None
