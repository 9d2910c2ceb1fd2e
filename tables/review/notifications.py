"""Notifications: an in-app list and an e-mail (Django's mail backend) for each step of the review.

Written inside the transition's transaction; the e-mails leave only after it
commits, so a rolled-back transition sends nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tables.models import Membership, Notification, Stage, TargetTable

logger = logging.getLogger(__name__)
Kind = Notification.Kind


def notify(recipients, *, table: TargetTable | None, kind: str, message: str, url: str = "") -> list[Notification]:
    """One in-app notification per recipient, and an e-mail to those with an address (after commit)."""
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    created = Notification.objects.bulk_create(
        [Notification(recipient=u, table=table, kind=kind, message=message[:500], url=url) for u in users.values()]
    )
    by_address: dict[str, list[int]] = {}
    for notification in created:
        if notification.recipient.email:
            by_address.setdefault(notification.recipient.email, []).append(notification.pk)
    if by_address:
        transaction.on_commit(lambda: _send(message, url, by_address))
    return created


SUBJECT_LENGTH = 60
MAIL_FAILED = "（通知邮件未能发出）"


def subject_line(message: str) -> str:
    """The message on one line, shortened: a header may not hold a line break (a return reason
    typed on two lines once made every e-mail of it fail)."""
    line = " ".join(message.split())
    if len(line) > SUBJECT_LENGTH:
        line = line[: SUBJECT_LENGTH - 1] + "…"
    return f"[绩效目标表] {line}"


def absolute_url(url: str) -> str:
    """`url` with SITE_URL before it: a mail client has no current site to resolve a path against."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL}{url}"


def _send(message: str, url: str, by_address: dict[str, list[int]]) -> None:
    link = absolute_url(url)
    body = "\n\n".join(filter(None, [message, link, "（本邮件由绩效目标表填报与审核系统自动发送）"]))
    subject = subject_line(message)
    for address, notification_ids in sorted(by_address.items()):  # one message each: no one sees the others
        try:
            EmailMessage(subject, body, None, [address]).send()
        except Exception:  # a mail server hiccup must not undo a committed review step
            logger.exception("could not send notification e-mail to %s", address)
            # Said in the app too, where the recipient (and whoever helps them) will see it.
            Notification.objects.filter(pk__in=notification_ids).update(
                message=message[: 500 - len(MAIL_FAILED)] + MAIL_FAILED
            )


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# ---------------------------------------------------------------- recipients


def _active_users():
    return get_user_model().objects.filter(is_active=True)


def reviewers_for(table: TargetTable, stage: str) -> list:
    """Reviewers at `stage` for `table`'s organisation (or its 主管部门); the admins when there are none."""
    org = table.organisation
    level = Q(memberships__review_duty__level=Stage.DEPARTMENT)
    if stage == Stage.FINANCE:
        level = Q(memberships__review_duty__isnull=True) | Q(memberships__review_duty__level=Stage.FINANCE)
    where = Q(memberships__role=Membership.Role.REVIEWER, memberships__organisation_id__in=[org.pk, org.parent_id])
    users = list(_active_users().filter(where & level).distinct())
    if not users:
        users = list(
            _active_users().filter(Q(memberships__role=Membership.Role.ADMIN) | Q(is_superuser=True)).distinct()
        )
    return users


def fillers_for(table: TargetTable) -> list:
    org = table.organisation
    where = Q(memberships__organisation_id=org.pk)
    if org.parent_id:
        where |= Q(memberships__organisation_id=org.parent_id, memberships__include_units=True)
    return list(_active_users().filter(Q(memberships__role=Membership.Role.FILLER) & where).distinct())


def _name(table: TargetTable) -> str:
    return f"{table.organisation.name}《{table.title}》"


def _review_url(table: TargetTable) -> str:
    return reverse("review-table", args=[table.pk])


# ---------------------------------------------------------------- the events


def submitted(table: TargetTable, snapshot) -> None:
    notify(
        reviewers_for(table, snapshot.stage),
        table=table,
        kind=Kind.SUBMITTED,
        url=_review_url(table),
        message=f"{_name(table)}已提交（第 {snapshot.number} 次），请进行{Stage(snapshot.stage).label}。",
    )


def withdrawn(table: TargetTable, snapshot, user) -> None:
    notify(
        reviewers_for(table, snapshot.stage),
        table=table,
        kind=Kind.WITHDRAWN,
        url=table.get_absolute_url(),
        message=f"{_name(table)}的第 {snapshot.number} 次提交已被填报人撤回。",
    )


def forwarded(table: TargetTable, snapshot, user) -> None:
    notify(
        reviewers_for(table, Stage.FINANCE),
        table=table,
        kind=Kind.FORWARDED,
        url=_review_url(table),
        message=f"{_name(table)}已通过主管部门审核并转报，请进行财政审核。",
    )
    notify(
        fillers_for(table),
        table=table,
        kind=Kind.FORWARDED,
        url=table.get_absolute_url(),
        message=f"{_name(table)}已通过主管部门审核，已转报财政审核。",
    )


def returned(table: TargetTable, snapshot, decision) -> None:
    notify(
        fillers_for(table),
        table=table,
        kind=Kind.RETURNED,
        url=table.get_absolute_url(),
        message=f"{_name(table)}被退回（{decision.get_stage_display()}）：{decision.opinion}",
    )


def approved(table: TargetTable, snapshot, decision) -> None:
    notify(
        fillers_for(table),
        table=table,
        kind=Kind.APPROVED,
        url=table.get_absolute_url(),
        message=f"{_name(table)}已批复。",
    )


def reopened(table: TargetTable, user, reason: str) -> None:
    notify(
        fillers_for(table),
        table=table,
        kind=Kind.REOPENED,
        url=table.get_absolute_url(),
        message=f"{_name(table)}已撤销批复，可调整后重新提交：{reason}",
    )


def adjustment_requested(table: TargetTable, request) -> None:
    """A 年中调整 request (or one the 主管部门 agreed to) waits at `request.stage`."""
    notify(
        reviewers_for(table, request.stage),
        table=table,
        kind=Kind.ADJUSTMENT,
        url=_review_url(table),
        message=f"{_name(table)}申请年中调整，请进行{Stage(request.stage).label}：{request.reason}",
    )


def adjustment_decided(table: TargetTable, request) -> None:
    """The filler hears what became of their request (a granted one also hears `reopened`)."""
    if request.outcome == request.Outcome.REFUSED:
        message = f"{_name(table)}的年中调整申请未获同意：{request.decision_note}"
    elif request.outcome == request.Outcome.GRANTED:
        message = f"{_name(table)}的年中调整申请已获同意，表格已开启新版本供修改。"
    else:
        message = f"{_name(table)}的年中调整申请已通过主管部门审核，已转报财政审核。"
    notify(fillers_for(table), table=table, kind=Kind.ADJUSTMENT, url=table.get_absolute_url(), message=message)


def export_finished(job) -> None:
    """Tell whoever started a bulk export that it ended: it takes a minute, and people leave the page."""
    url = reverse("export-job", args=[job.pk])
    if job.status == job.Status.DONE:
        left_out = f"，{len(job.failures)} 张未能导出（见导出页）" if job.failures else ""
        message = f"批量导出已完成：{job.done} 张表{left_out}，请在 {settings.EXPORT_RETENTION_DAYS} 天内下载。"
    else:
        message = f"批量导出没有完成。{job.error}"
    notify([job.created_by], table=None, kind=Kind.EXPORTED, url=url, message=message)


# ---------------------------------------------------------------- reminders


def send_reminders(days: int, today: date | None = None) -> int:
    """Remind the fillers of tables not yet submitted whose round closes within `days` days.

    At most one reminder per table and person per day, so running it twice is harmless.
    """
    today = today or timezone.localdate()
    tables = list(
        TargetTable.objects.filter(
            round__deadline__gte=today,
            round__deadline__lte=today + timedelta(days=days),
            status__in=[TargetTable.Status.DRAFT, TargetTable.Status.RETURNED],
        ).select_related("organisation", "round")
    )
    if not tables:
        return 0
    org_ids = {t.organisation_id for t in tables} | {
        t.organisation.parent_id for t in tables if t.organisation.parent_id
    }
    fillers: dict[int, list] = {}
    units: dict[int, list] = {}
    memberships = Membership.objects.filter(
        role=Membership.Role.FILLER, organisation_id__in=org_ids, user__is_active=True
    ).select_related("user")
    for m in memberships:
        fillers.setdefault(m.organisation_id, []).append(m.user)
        if m.include_units:
            units.setdefault(m.organisation_id, []).append(m.user)
    start = timezone.make_aware(datetime.combine(today, time.min))
    sent_today = set(
        Notification.objects.filter(kind=Kind.REMINDER, created_at__gte=start, table__in=tables).values_list(
            "table_id", "recipient_id"
        )
    )
    count = 0
    for table in tables:
        recipients = fillers.get(table.organisation_id, []) + units.get(table.organisation.parent_id, [])
        recipients = [u for u in recipients if (table.pk, u.pk) not in sent_today]
        if not recipients:
            continue
        left = (table.round.deadline - today).days
        when = "今天" if left == 0 else f"{left} 天后（{table.round.deadline:%Y-%m-%d}）"
        status = table.get_status_display()
        count += len(
            notify(
                recipients,
                table=table,
                kind=Kind.REMINDER,
                url=table.get_absolute_url(),
                message=f"{_name(table)}尚未提交（{status}），{table.round.title}将于{when}截止，请及时提交。",
            )
        )
    return count


__all__ = ["fillers_for", "notify", "reviewers_for", "send_reminders", "unread_count"]


# ---------------------------------------------------------------- 纳入指标库


def bureau_admins() -> list:
    return list(_active_users().filter(Q(memberships__role=Membership.Role.ADMIN) | Q(is_superuser=True)).distinct())


def library_proposed(proposal) -> None:
    """A reviewer proposed an indicator for the library: the bureau admins decide."""
    notify(
        bureau_admins(),
        table=None,
        kind=Kind.LIBRARY,
        url=reverse("library-proposal", args=[proposal.pk]),
        message=f"新的纳入指标库推荐：“{proposal.level3}”（{proposal.level2}），请审核。",
    )


def library_decided(proposal, *, merged: bool = False) -> None:
    """The proposer learns what became of the proposal (and why, when declined)."""
    if proposal.status == proposal.Status.DECLINED:
        message = f"您推荐的指标“{proposal.level3}”未纳入指标库：{proposal.decision_note}"
        url = reverse("library-proposal", args=[proposal.pk])
    else:
        entry = proposal.entry
        message = (
            f"您推荐的指标“{proposal.level3}”已合并到指标库条目“{entry.level3}”。"
            if merged
            else f"您推荐的指标“{proposal.level3}”已纳入指标库。"
        )
        url = reverse("library-entry", args=[entry.pk])
    notify([proposal.proposed_by], table=None, kind=Kind.LIBRARY, url=url, message=message)
