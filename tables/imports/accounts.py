"""Import the organisations and user accounts of a round from an xlsx workbook.

Two sheets, each with a header row (columns in any order; 【】 marks optional ones):

- 部门单位: 编码, 名称, 【上级编码】 — a 单位 names its 部门 as 上级;
- 用户: 用户名, 角色, 【姓名】, 【邮箱】, 【部门编码】, 【含下属单位】, 【初始密码】 —
  角色 is 填报人, 审核人 (财政审核), 主管部门审核人 or 管理员; 部门编码 is required
  except for 管理员; a user may have several rows (one per organisation or role).

As with the other imports, every row is checked before anything is written,
each problem names the sheet and the cell (``用户!E5：…``), and the import runs
in one transaction: a bad file changes nothing. Existing organisations (by
编码) and users (by 用户名) are updated, never duplicated; importing the same
file twice changes nothing the second time.

An import is previewed first (``dry_run=True``: written, listed and rolled
back), because it can change people who already work in the system: their
e-mail, their name, their roles. Granting 管理员 is never done silently: the
import refuses it unless ``confirm_admins`` says the admin saw the list.
Initial passwords pass Django's password validators (AUTH_PASSWORD_VALIDATORS),
and a user given one must change it at the first login (tables.passwords).
"""

from __future__ import annotations

import hashlib
import io
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from openpyxl.utils import get_column_letter

from tables.imports.xlsx import XlsxImportError, check_package, formula_errors
from tables.models import Membership, Organisation, PasswordChangeRequired, ReviewDuty, Round, RoundOrganisation, Stage
from tables.passwords import require_change

ORG_SHEET = "部门单位"
USER_SHEET = "用户"
ORG_COLUMNS = {"编码": "code", "名称": "name", "上级编码": "parent"}
USER_COLUMNS = {
    "用户名": "username",
    "姓名": "name",
    "邮箱": "email",
    "部门编码": "organisation",
    "角色": "role",
    "含下属单位": "include_units",
    "初始密码": "password",
}
ROLES = {
    "填报人": (Membership.Role.FILLER, None),
    "审核人": (Membership.Role.REVIEWER, Stage.FINANCE),
    "财政审核人": (Membership.Role.REVIEWER, Stage.FINANCE),
    "主管部门审核人": (Membership.Role.REVIEWER, Stage.DEPARTMENT),
    "管理员": (Membership.Role.ADMIN, None),
}
YES = {"是", "Y", "YES", "1", "TRUE", "√"}
NO = {"", "否", "N", "NO", "0", "FALSE"}
MAX_ERRORS = 50
MAX_ROWS = 20000
MAX_COLS = 50  # read no further right: a forged <dimension> would otherwise pad every row to 16384 cells


class AccountsImportError(ValueError):
    """The workbook was not imported; `errors` lists each problem as "sheet!cell：message"."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class AccountsImportResult:
    organisations_created: int = 0
    organisations_updated: int = 0
    users_created: int = 0
    users_updated: int = 0
    memberships_created: int = 0
    participants: int = 0
    usernames: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # every change, one line each, for the preview
    existing_user_changes: list[str] = field(default_factory=list)  # changes to people already in the system
    admin_grants: list[str] = field(default_factory=list)  # user names who become 管理员

    def digest(self) -> str:
        """What the preview showed: the confirmation must apply exactly this."""
        text = "\n".join([*self.changes, "--", *self.existing_user_changes, "--", *self.admin_grants])
        return hashlib.sha256(text.encode()).hexdigest()

    def summary(self) -> str:
        return (
            f"导入完成：新建部门（单位）{self.organisations_created} 个，更新 {self.organisations_updated} 个；"
            f"新建用户 {self.users_created} 个，更新 {self.users_updated} 个；新增权限 {self.memberships_created} 条"
            + (f"；填报范围 {self.participants} 个部门（单位）" if self.participants else "")
            + "。"
        )


@dataclass
class _Row:
    number: int
    values: dict[str, str]
    refs: dict[str, str]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_sheet(workbook, name: str, columns: dict[str, str], required: tuple[str, ...], errors: list[str]):
    if name not in workbook.sheetnames:
        errors.append(f"工作簿中没有名为“{name}”的工作表")
        return []
    sheet = workbook[name]
    rows = sheet.iter_rows(max_col=MAX_COLS, values_only=True)
    header = next(rows, None) or ()
    keys: dict[int, str] = {}
    for index, label in enumerate(header):
        label = "".join(_text(label).split()).strip("【】*")
        if label in columns:
            keys[index] = columns[label]
    for label, key in columns.items():
        if key in required and key not in keys.values():
            errors.append(f"{name}!1：缺少“{label}”列")
    if any(key not in keys.values() for key in required):
        return []
    result = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            errors.append(f"{name}：行数过多（最多 {MAX_ROWS} 行）")
            break
        row = {keys[i]: _text(v) for i, v in enumerate(values) if i in keys}
        if not any(row.values()):
            continue
        refs = {key: f"{name}!{get_column_letter(i + 1)}{number}" for i, key in keys.items()}
        result.append(_Row(number, {key: row.get(key, "") for key in keys.values()}, refs))
    return result


def _load(file) -> object:
    data = file.read(settings.IMPORT_MAX_BYTES + 1) if hasattr(file, "read") else bytes(file)
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise AccountsImportError(f"文件过大（上限 {settings.IMPORT_MAX_BYTES // 1024 // 1024} MB）")
    try:
        check_package(data)  # not an xlsx, damaged, or a zip bomb: refused before any XML is read
        errors = formula_errors(data, {ORG_SHEET, USER_SHEET})
    except XlsxImportError as exc:
        raise AccountsImportError(exc.errors) from exc
    if errors:
        raise AccountsImportError(errors)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise AccountsImportError(f"xlsx 文件已损坏或格式不受支持：{type(exc).__name__}") from exc


def import_accounts(
    file,
    *,
    round_: Round | None = None,
    dry_run: bool = False,
    confirm_admins: bool = False,
    previewed: str | None = None,
) -> AccountsImportResult:
    """Read and check the whole workbook, then write it in one transaction.

    `dry_run` rolls the transaction back: the result lists what the import would
    change. Without `confirm_admins` an import that grants 管理员 changes nothing.
    `previewed` is the preview's `digest()`: if the data changed since (another
    admin, another import), nothing is written and the admin previews again.
    """
    workbook = _load(file)
    problems = _Problems()
    org_rows = _read_sheet(workbook, ORG_SHEET, ORG_COLUMNS, ("code", "name"), problems)
    user_rows = _read_sheet(workbook, USER_SHEET, USER_COLUMNS, ("username", "role"), problems)
    if problems:
        raise AccountsImportError(problems)
    in_file = _check_organisations(org_rows, problems)
    existing = _existing_organisations(in_file, org_rows, user_rows)
    _check_parents(in_file, existing, problems)
    _check_users(user_rows, in_file, existing, problems)
    if problems:
        raise AccountsImportError(problems)

    with transaction.atomic():
        result = _write(in_file, user_rows, existing, round_, hash_passwords=not dry_run)
        if result.admin_grants and not confirm_admins and not dry_run:
            _refuse_unconfirmed_admins(result, user_rows)
        if previewed is not None and result.digest() != previewed:
            raise PreviewOutdated("预览之后系统中的部门（单位）或账号已有变化，未导入。请重新上传文件，核对新的预览。")
        if dry_run:
            transaction.set_rollback(True)
    return result


def _refuse_unconfirmed_admins(result: AccountsImportResult, user_rows: list[_Row]) -> None:
    rows = {row.values["username"]: row for row in user_rows if ROLES[row.values["role"]][0] == "admin"}
    raise AccountsImportError(
        [f"{rows[name].refs['role']}：授予“{name}”管理员权限须先预览并确认" for name in result.admin_grants]
    )


# ---------------------------------------------------------------- checking the rows, one rule a function


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


class PreviewOutdated(AccountsImportError):
    pass


# ---------------------------------------------------------------- a previewed workbook, held until confirmed

HELD_DIR = "account-imports"
HELD_HOURS = 24


def _held_path(token: str) -> Path | None:
    if not token or not all(c.isalnum() or c in "-_" for c in token):
        return None
    return Path(settings.MEDIA_ROOT) / HELD_DIR / f"{token}.xlsx"


def hold_workbook(data: bytes) -> str:
    """Keep an uploaded workbook between its preview and the confirmation; returns its token.

    Under MEDIA_ROOT, which every app server shares. Workbooks never confirmed
    are deleted after HELD_HOURS.
    """
    token = secrets.token_urlsafe(24)
    path = _held_path(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob("*.xlsx"):
        if old.stat().st_mtime < time.time() - HELD_HOURS * 3600:
            old.unlink(missing_ok=True)
    path.write_bytes(data)
    return token


def held_workbook(token: str) -> bytes | None:
    path = _held_path(token)
    return path.read_bytes() if path is not None and path.is_file() else None


def release_workbook(token: str) -> None:
    path = _held_path(token)
    if path is not None:
        path.unlink(missing_ok=True)


def _write(
    in_file: dict[str, _Row], user_rows: list[_Row], existing: dict, round_: Round | None, *, hash_passwords: bool
):
    """Write the checked rows (inside the caller's transaction), noting each change in words.

    A preview, rolled back anyway, skips hashing the initial passwords: in production
    each hash costs about half a second, and an import may create hundreds of users.
    """
    result = AccountsImportResult()
    orgs = _write_organisations(in_file, existing, result)
    _write_parents(in_file, orgs, existing, result)
    if round_ is not None:
        _write_participants(in_file, orgs, round_, result)
    users: dict[str, object] = {}
    for row in user_rows:
        user = _write_user(row, users, result, hash_passwords=hash_passwords)
        _write_membership(row, user, orgs, result)
    return result


def _write_organisations(in_file: dict[str, _Row], existing: dict, result: AccountsImportResult) -> dict:
    """Create the new organisations and rename the others; returns every organisation named, by code."""
    orgs = dict(existing)
    for code, row in in_file.items():
        org, name = orgs.get(code), row.values["name"]
        if org is None:
            orgs[code] = Organisation.objects.create(code=code, name=name)
            result.organisations_created += 1
            result.changes.append(f"新建部门（单位）{code} {name}")
        elif org.name != name:
            result.changes.append(f"部门（单位）{code} 改名：{org.name} → {name}")
            org.name = name
            org.save(update_fields=["name"])
            result.organisations_updated += 1
    return orgs


def _write_parents(in_file: dict[str, _Row], orgs: dict, existing: dict, result: AccountsImportResult) -> None:
    """Once every organisation exists, each one's 上级 (a parent may come later in the sheet)."""
    for code, row in in_file.items():
        org = orgs[code]
        parent = orgs.get(row.values.get("parent", ""))
        parent_id = parent.pk if parent else None
        if org.parent_id == parent_id:
            continue
        org.parent_id = parent_id
        org.save(update_fields=["parent"])
        if code in existing:
            result.organisations_updated += 1
            result.changes.append(f"部门（单位）{code} 的上级改为：{parent.code if parent else '（无）'}")


def _write_participants(in_file: dict[str, _Row], orgs: dict, round_: Round, result: AccountsImportResult) -> None:
    for code in in_file:
        _, created = RoundOrganisation.objects.get_or_create(round=round_, organisation=orgs[code])
        result.participants += 1
        if created:
            result.changes.append(f"{code} 列入批次“{round_}”的填报范围")


def _write_user(row: _Row, users: dict[str, object], result: AccountsImportResult, *, hash_passwords: bool):
    """The row's user, created or found (once per user name), with the row's name and e-mail."""
    values = row.values
    username = values["username"]
    user = users.get(username)
    is_new = False
    if user is None:
        user = get_user_model().objects.filter(username=username).first()
        is_new = user is None
        if is_new:
            user = _new_user(values, hash_passwords=hash_passwords)
            result.users_created += 1
            result.usernames.append(username)
        else:
            result.users_updated += 1
        users[username] = user
    changed = _update_user(user, values)
    user.save()
    if is_new:
        result.changes.append(f"新建用户 {username}" + (f"（{values['name']}）" if values.get("name") else ""))
        if user.has_usable_password():
            require_change(user, PasswordChangeRequired.Reason.IMPORTED)
    elif changed:
        result.existing_user_changes.append(f"已有用户 {username}：{'；'.join(changed)}")
    return user


def _new_user(values: dict[str, str], *, hash_passwords: bool):
    user = get_user_model()(username=values["username"])
    if values.get("password") and hash_passwords:
        user.set_password(values["password"])
    else:
        user.set_unusable_password()  # the admin sets one before first login (or: a preview)
    return user


def _update_user(user, values: dict[str, str]) -> list[str]:
    """Set the row's name and e-mail where given; returns what changed, in words."""
    changed = []
    if values.get("name") and user.first_name != values["name"]:
        changed.append(f"姓名 {user.first_name or '（空）'} → {values['name']}")
        user.first_name = values["name"]
    if values.get("email") and user.email != values["email"]:
        changed.append(f"邮箱 {user.email or '（空）'} → {values['email']}")
        user.email = values["email"]
    return changed


def _write_membership(row: _Row, user, orgs: dict, result: AccountsImportResult) -> None:
    """The row's role for its organisation (all of them for 管理员), and a reviewer's level."""
    values = row.values
    role, level = ROLES[values["role"]]
    code = values.get("organisation", "")
    organisation = orgs.get(code) if code and role != Membership.Role.ADMIN else None
    include = values.get("include_units", "").upper() in YES
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role, defaults={"include_units": include}
    )
    result.memberships_created += created
    where = f"{organisation.code} {organisation.name}" if organisation else "全部部门"
    username = values["username"]
    if created and role == Membership.Role.ADMIN:
        result.admin_grants.append(username)
    elif created:
        result.changes.append(
            f"{username} 新增权限：{values['role']} · {where}" + ("（含下属单位）" if include else "")
        )
    if not created and membership.include_units != include and values.get("include_units", ""):
        membership.include_units = include
        membership.save(update_fields=["include_units"])
        result.changes.append(
            f"{username} 的权限（{values['role']} · {where}）{'改为' if include else '不再'}含下属单位"
        )
    _write_review_duty(membership, role, level)


def _write_review_duty(membership: Membership, role: str, level: str | None) -> None:
    """A 主管部门审核人 reviews at the department stage; any other reviewer at the finance stage."""
    if level == Stage.DEPARTMENT:
        ReviewDuty.objects.update_or_create(membership=membership, defaults={"level": Stage.DEPARTMENT})
    elif role == Membership.Role.REVIEWER:
        ReviewDuty.objects.filter(membership=membership).delete()


def template_workbook() -> bytes:
    """An empty workbook with both sheets and their headers, to fill in."""
    workbook = openpyxl.Workbook()
    orgs = workbook.active
    orgs.title = ORG_SHEET
    orgs.append(list(ORG_COLUMNS))
    users = workbook.create_sheet(USER_SHEET)
    users.append(list(USER_COLUMNS))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
