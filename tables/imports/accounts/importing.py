"""`import_accounts`: the workbook read, every row checked, then written in one transaction (or previewed)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from tables.imports.accounts.checks import (
    _check_organisations,
    _check_parents,
    _check_users,
    _existing_organisations,
    _Problems,
)
from tables.imports.accounts.workbook import (
    ORG_COLUMNS,
    ORG_SHEET,
    USER_COLUMNS,
    USER_SHEET,
    YES,
    AccountsImportError,
    _load,
    _read_sheet,
    _Row,
)
from tables.models import Membership, Organisation, PasswordChangeRequired, Round, RoundOrganisation
from tables.passwords import require_change
from tables.setup import duties


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


class PreviewOutdated(AccountsImportError):
    pass


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
    rows = {row.values["username"]: row for row in user_rows if duties.WORDS[row.values["role"]] == duties.Duty.ADMIN}
    raise AccountsImportError(
        [f"{rows[name].refs['role']}：授予“{name}”管理员权限须先预览并确认" for name in result.admin_grants]
    )


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
            result.changes.append(f"部门（单位）{code} 的上级改为：{parent if parent else '（无）'}")


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
    """The row's duty for its organisation (all of them for 管理员), as the set-up pages grant it."""
    values = row.values
    duty = duties.WORDS[values["role"]]
    role, _ = duties.role_and_level(duty)
    code = values.get("organisation", "")
    organisation = orgs.get(code) if code and role != Membership.Role.ADMIN else None
    include = values.get("include_units", "").upper() in YES
    membership, created = duties.grant(user, organisation, duty, include_units=include)
    result.memberships_created += created
    where = str(organisation) if organisation else "全部部门"
    username = values["username"]
    if created and role == Membership.Role.ADMIN:
        result.admin_grants.append(username)
    elif created:
        result.changes.append(f"{username} 新增权限：{duty.label} · {where}" + ("（含下属单位）" if include else ""))
    if not created and membership.include_units != include and values.get("include_units", ""):
        membership.include_units = include
        membership.save(update_fields=["include_units"])
        result.changes.append(f"{username} 的权限（{duty.label} · {where}）{'改为' if include else '不再'}含下属单位")
