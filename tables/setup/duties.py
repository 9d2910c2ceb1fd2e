"""The duties a person holds for an organisation, in the words the bureau uses, and the rules their
records keep: one vocabulary and one set of rules for the set-up pages and the accounts import.

A duty is a membership's role together with a reviewer's level: 填报人, 主管部门审核人 (the first of two
review levels), 财政审核人 (the bureau's level, the only one of a one-level round) and 管理员. The
accounts workbook writes them in the same words (and 审核人, the older word for 财政审核人).

Each `…_problem` function answers one rule with a Chinese message, or None; the set-up forms put
the message under their field, the import before the sheet!cell it names.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from tables.models import Membership, Organisation, ReviewDuty, Stage


class Duty(models.TextChoices):
    FILLER = "filler", "填报人"
    DEPARTMENT_REVIEWER = "department_reviewer", "主管部门审核人"
    FINANCE_REVIEWER = "finance_reviewer", "财政审核人"
    ADMIN = "admin", "管理员"


# The membership role and review level of each duty.
_RECORD = {
    Duty.FILLER: (Membership.Role.FILLER, None),
    Duty.DEPARTMENT_REVIEWER: (Membership.Role.REVIEWER, Stage.DEPARTMENT),
    Duty.FINANCE_REVIEWER: (Membership.Role.REVIEWER, Stage.FINANCE),
    Duty.ADMIN: (Membership.Role.ADMIN, None),
}

# The words a workbook may use for each duty: its label, and 审核人 as the older word for 财政审核人.
WORDS: dict[str, Duty] = {
    **{str(duty.label): duty for duty in Duty},
    "审核人": Duty.FINANCE_REVIEWER,
}


def role_and_level(duty: Duty | str) -> tuple[str, str | None]:
    """The membership role and the reviewer's level (None for a filler or an admin) of `duty`."""
    return _RECORD[Duty(duty)]


def duty_of(membership: Membership) -> Duty:
    """The duty a membership records (load `review_duty` with it: `select_related("review_duty")`)."""
    if membership.role == Membership.Role.REVIEWER:
        duty = getattr(membership, "review_duty", None)
        level = duty.level if duty is not None else Stage.FINANCE
        return Duty.DEPARTMENT_REVIEWER if level == Stage.DEPARTMENT else Duty.FINANCE_REVIEWER
    return Duty.ADMIN if membership.role == Membership.Role.ADMIN else Duty.FILLER


def describe(membership: Membership) -> str:
    """ "唐山市丰润区财政局 · 主管部门审核人": where, and the duty with its level."""
    where = str(membership.organisation) if membership.organisation_id else "全部部门"
    units = "（含下属单位）" if membership.include_units and membership.role == Membership.Role.FILLER else ""
    return f"{where} · {duty_of(membership).label}{units}"


def grant(user, organisation: Organisation | None, duty: Duty | str, *, include_units: bool = False):
    """Give `user` `duty` for `organisation` (every organisation for 管理员): (membership, created).

    One reviewer membership per person and organisation: granting the other level changes its level.
    Call inside the caller's transaction.
    """
    role, level = role_and_level(duty)
    if role == Membership.Role.ADMIN:
        organisation = None
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role, defaults={"include_units": include_units}
    )
    if level == Stage.DEPARTMENT:
        ReviewDuty.objects.update_or_create(membership=membership, defaults={"level": Stage.DEPARTMENT})
    elif role == Membership.Role.REVIEWER:
        ReviewDuty.objects.filter(membership=membership).delete()
    return membership, created


# ---------------------------------------------------------------- the rules


_username_ok = UnicodeUsernameValidator()


def username_problem(username: str) -> str | None:
    if not username:
        return "用户名不能为空"
    if len(username) > 150:
        return "用户名过长（最多 150 个字符）"
    try:
        _username_ok(username)
    except ValidationError:
        return f"用户名“{username}”无效（只能包含文字、数字和 @ . + - _）"
    return None


def duty_problem(word: str) -> str | None:
    return None if word in WORDS else f"角色“{word}”无效（应为 {'、'.join(WORDS)}）"


def organisation_needed_problem(duty: Duty | str, has_organisation: bool) -> str | None:
    """Every duty but 管理员 is held for one organisation."""
    if has_organisation or Duty(duty) == Duty.ADMIN:
        return None
    return f"{Duty(duty).label}须指定部门（单位）"


def email_problem(email: str) -> str | None:
    if not email:
        return None
    try:
        validate_email(email)
    except ValidationError:
        return f"邮箱“{email}”格式不正确"
    return None


def password_problem(password: str, username: str, name: str = "", email: str = "") -> str | None:
    """An initial password passes AUTH_PASSWORD_VALIDATORS, judged against the user it is for."""
    if not password:
        return None
    someone = get_user_model()(username=username, first_name=name, email=email)
    try:
        validate_password(password, user=someone)
    except ValidationError as exc:
        return f"用户“{username}”的初始密码不符合要求：{''.join(exc.messages)}"
    return None


def code_problem(code: str) -> str | None:
    if len(code) > 40:
        return "编码过长（最多 40 个字符）"
    return None


def name_problem(name: str) -> str | None:
    if not name:
        return "名称不能为空"
    if len(name) > 200:
        return "名称过长（最多 200 个字符）"
    return None


def parent_problem(own: str, parent: str, parent_is_unit: bool) -> str | None:
    """A 上级 (主管部门) is a 部门, never the organisation itself nor one of the units."""
    if parent == own:
        return "上级不能是自己"
    return f"上级“{parent}”本身是下属单位；上级只能是部门" if parent_is_unit else None


def has_units_problem(own: str) -> str:
    return f"“{own}”在系统中已有下属单位，不能再设上级"
