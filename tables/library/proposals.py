"""纳入指标库 pages: a reviewer proposes an indicator of an approved table (the possible duplicates
shown before it is saved), the bureau admin's queue, and a proposal's page where he accepts it,
merges it into an existing entry or declines it with a note.

Who may: `tables/permissions.py` (`can_propose`, `can_decide_proposals`, `can_see_proposal`). Each
save is one transaction with its admin-log entry (`LogEntry`, as the set-up pages keep) and the
notification (`tables/review/notifications.py`). What a proposal and a duplicate are:
`indicators/library/proposals.py`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from indicators.catalog import name_key
from indicators.library import proposals
from indicators.models import CatalogEntry, Indicator, LibraryField, LibraryProposal
from tables import permissions
from tables.access import get_table_for_user, require
from tables.models import TargetTable
from tables.review import notifications

PER_PAGE = 20
Status = LibraryProposal.Status


# ---------------------------------------------------------------- forms


class ProposalForm(forms.ModelForm):
    """What the reviewer may edit before proposing. `checked` is the name (and unit) the duplicates
    were last shown for: a name not yet checked is shown its duplicates before it is saved."""

    checked = forms.CharField(label="已核对重复的名称", required=False, widget=forms.HiddenInput)

    class Meta:
        model = LibraryProposal
        fields = ["field", "level1", "level2", "level3", "value", "unit", "definition", "basis", "reason"]
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 3}),
            "reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = LibraryField.objects.select_related("parent").order_by("position", "code")
        self.fields["field"].required = False
        self.fields["reason"].required = True
        self.fields["reason"].help_text = "说明这个指标好在哪里（具体、可衡量、有依据）"
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def check_key(self) -> str:
        return check_key(self.cleaned_data.get("level3", ""), self.cleaned_data.get("unit", ""))


def check_key(level3: str, unit: str) -> str:
    return f"{name_key(level3)}|{name_key(unit)}"


class DecisionForm(forms.Form):
    ACTIONS = [("accept", "纳入（新建条目）"), ("merge", "合并到已有条目"), ("decline", "不纳入")]

    action = forms.ChoiceField(label="审核结果", choices=ACTIONS, widget=forms.RadioSelect)
    entry = forms.IntegerField(label="合并到的条目", required=False, min_value=1)
    note = forms.CharField(label="审核意见", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "merge":
            entry = CatalogEntry.objects.filter(pk=data.get("entry") or 0, active=True).first()
            if entry is None:
                self.add_error("entry", "请选择要合并到的指标库条目。")
            data["entry_obj"] = entry
        if action == "decline" and not (data.get("note") or "").strip():
            self.add_error("note", "请填写不纳入的原因。")
        return data


# ---------------------------------------------------------------- helpers


def _log(user, obj, flag: int, message: str) -> None:
    LogEntry.objects.log_actions(user.pk, [obj], flag, change_message=message, single_object=True)


def _indicator_for(request: HttpRequest, indicator_id: int) -> Indicator:
    """The row to propose: 404 unless its table is visible, 403 unless the user may propose from it."""
    row = Indicator.objects.filter(pk=indicator_id).first()
    if row is None:
        raise Http404("没有找到该指标")
    table = get_table_for_user(request.user, row.table_id, TargetTable.objects.select_related("organisation", "layout"))
    require(permissions.can_propose(request.user, table))
    row.table = table
    return row


def _proposal_for(request: HttpRequest, pk: int) -> LibraryProposal:
    proposal = (
        LibraryProposal.objects.select_related(
            "proposed_by", "decided_by", "source_table__organisation", "field", "entry", "indicator"
        )
        .filter(pk=pk)
        .first()
    )
    if proposal is None or not permissions.can_see_proposal(request.user, proposal):
        raise Http404("没有找到该推荐")
    return proposal


# ---------------------------------------------------------------- proposing


@require_http_methods(["GET", "POST"])
@login_required
def propose(request: HttpRequest, indicator_id: int) -> HttpResponse:
    """纳入指标库: the proposal form, prefilled from the row; the duplicates of the name typed are
    listed (live over htmx) and a name whose duplicates were not yet shown is not saved."""
    row = _indicator_for(request, indicator_id)
    if request.method == "GET" and request.htmx and "level3" in request.GET:
        found = proposals.duplicates(request.GET.get("level3", ""), request.GET.get("unit", ""))
        return render(request, "library/propose.html#duplicates", {"duplicates": found})
    if request.method == "POST":
        form = ProposalForm(request.POST)
        if form.is_valid():
            found = proposals.duplicates(form.cleaned_data["level3"], form.cleaned_data["unit"])
            if found and form.cleaned_data.get("checked") != form.check_key():
                data = request.POST.copy()
                data["checked"] = form.check_key()
                form = ProposalForm(data)
                form.is_valid()
                context = {"row": row, "form": form, "duplicates": found, "must_confirm": True}
                return render(request, "library/propose.html", context)
            with transaction.atomic():
                values = {k: form.cleaned_data[k] for k in proposals.PROPOSED_FIELDS}
                proposal = proposals.propose(row, user=request.user, field=form.cleaned_data["field"], **values)
                _log(request.user, proposal, ADDITION, f"推荐纳入指标库：{proposal.level3}（来源：{row.table.title}）")
                notifications.library_proposed(proposal)
            messages.success(request, f"已推荐“{proposal.level3}”纳入指标库，等待财政局管理员审核。")
            return redirect("library-proposal", pk=proposal.pk)
        found = proposals.duplicates(request.POST.get("level3", ""), request.POST.get("unit", ""))
        return render(request, "library/propose.html", {"row": row, "form": form, "duplicates": found}, status=422)
    initial = {
        "level1": row.level1,
        "level2": row.level2,
        "level3": row.level3,
        "value": row.value,
        "unit": row.unit,
        "definition": row.explanation or row.description or "",
        "basis": row.basis or "",
        "checked": check_key(row.level3, row.unit),
    }
    found = proposals.duplicates(row.level3, row.unit)
    return render(
        request, "library/propose.html", {"row": row, "form": ProposalForm(initial=initial), "duplicates": found}
    )


# ---------------------------------------------------------------- the bureau admin's queue and decisions


@require_GET
@login_required
def proposal_queue(request: HttpRequest) -> HttpResponse:
    """The proposals by status (pending first by default), newest first, paginated."""
    require(permissions.can_decide_proposals(request.user))
    status = request.GET.get("status", Status.PENDING)
    listed = LibraryProposal.objects.select_related("proposed_by", "source_table__organisation", "entry")
    if status in Status.values:
        listed = listed.filter(status=status)
    else:
        status = "all"
    page = Paginator(listed.order_by("-proposed_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    statuses = [(Status.PENDING, "待审核"), (Status.ACCEPTED, "已纳入"), (Status.DECLINED, "未纳入"), ("all", "全部")]
    context = {"page": page, "status": status, "statuses": statuses, "filters": {"status": status}}
    return render(request, "library/proposals.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def proposal_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A proposal: its proposer and the admins read it; a bureau admin decides a pending one."""
    proposal = _proposal_for(request, pk)
    may_decide = bool(permissions.can_decide_proposals(request.user)) and proposal.status == Status.PENDING
    form = DecisionForm(initial={"action": "accept"})
    if request.method == "POST":
        require(permissions.can_decide_proposals(request.user))
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                message = _decide(request, proposal, form.cleaned_data)
            except proposals.ProposalError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, message)
                return redirect("library-proposals")
    context = {
        "proposal": proposal,
        "may_decide": may_decide,
        "form": form,
        "duplicates": (
            found := proposals.duplicates(proposal.level3, proposal.unit, exclude=proposal) if may_decide else []
        ),
        "merge_entries": [d.obj for d in found if d.kind == "entry"],
        "source_visible": _source_visible(request, proposal),
    }
    return render(request, "library/proposal.html", context, status=422 if form.errors else 200)


def _source_visible(request: HttpRequest, proposal: LibraryProposal) -> bool:
    if proposal.source_table_id is None:
        return False
    return TargetTable.objects.visible_to(request.user).filter(pk=proposal.source_table_id).exists()


def _decide(request: HttpRequest, proposal: LibraryProposal, data: dict) -> str:
    """One decision in one transaction: the proposal and the entry, the admin log, the proposer told."""
    user, note = request.user, data.get("note", "")
    with transaction.atomic():
        if data["action"] == "accept":
            proposal, entry = proposals.accept(proposal, user=user, note=note)
            _log(user, entry, ADDITION, f"纳入指标库（推荐 #{proposal.pk}）：{entry.level2} / {entry.level3}")
            _log(user, proposal, CHANGE, f"审核：已纳入，新建条目 #{entry.pk}")
            notifications.library_decided(proposal)
            return f"已将“{entry.level3}”纳入指标库。"
        if data["action"] == "merge":
            proposal, filled = proposals.merge(proposal, data["entry_obj"], user=user, note=note)
            entry = proposal.entry
            what = "，补充了" + "、".join(filled) if filled else ""
            _log(user, entry, CHANGE, f"合并纳入指标库推荐 #{proposal.pk}“{proposal.level3}”{what}")
            _log(user, proposal, CHANGE, f"审核：合并到条目 #{entry.pk}“{entry.level3}”")
            notifications.library_decided(proposal, merged=True)
            return f"已将“{proposal.level3}”合并到指标库条目“{entry.level3}”。"
        proposal = proposals.decline(proposal, user=user, note=note)
        _log(user, proposal, CHANGE, f"审核：不纳入。{proposal.decision_note}")
        notifications.library_decided(proposal)
        return f"“{proposal.level3}”未纳入指标库，已通知推荐人。"
