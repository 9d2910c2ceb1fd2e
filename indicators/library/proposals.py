"""纳入指标库 with review: a reviewer proposes an indicator of an approved table, the bureau admin
accepts it (a new entry, or merged into an entry of the same meaning) or declines it.

Before a proposal is saved, and again when it is decided, the possible duplicates are shown: library
entries and pending proposals of the same meaning. The rule (`same_meaning`), tested at its bounds:

1. the same name: equal `name_key` (half-width, no spaces, no leading numbering) — whatever the unit;
2. or a near-same name: the two stems' character-bigram Dice coefficient is at least 0.7, where a
   stem is the name key without a trailing bracketed note (`（%）`, `(次)`) and without the generic
   suffixes 情况/程度/水平/率/数/量 (taken off repeatedly, never down to nothing) — and the units do
   not disagree (equal, or one of them blank). `项目验收合格率` and `项目验收合格情况` are the same
   meaning; `合格率`（%） and `合格数`（个） are not; `资金发放及时率` and `资金支付及时率` (Dice 0.4) are not.

The decisions (`accept`, `merge`, `decline`) lock the proposal (two admins may decide it at once)
and refuse one that is no longer pending; the caller runs them inside its transaction, beside its
audit and notifications. No import of `tables`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from indicators.catalog import name_key
from indicators.models import CatalogEntry, Indicator, LibraryField, LibraryProposal

NEAR_SAME = 0.7
GENERIC_SUFFIXES = ("情况", "程度", "水平", "率", "数", "量")
_BRACKETED_NOTE = re.compile(r"[(（\[【][^()（）\[\]【】]*[)）\]】]$")
Status = LibraryProposal.Status


class ProposalError(Exception):
    """A decision that cannot be made, with the reason in Chinese."""


# ---------------------------------------------------------------- the duplicate rule


def stem(name: str) -> str:
    """The part of a name that carries its meaning: the name key without a trailing bracketed note
    and without generic suffixes (never emptied: `数量` → `数`, `率` stays `率`)."""
    text = _BRACKETED_NOTE.sub("", name_key(name)) or name_key(name)
    changed = True
    while changed:
        changed = False
        for suffix in GENERIC_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
    return text


def bigrams(text: str) -> frozenset[str]:
    """The text's character bigrams (a one-character text is its own only gram)."""
    if len(text) < 2:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def dice(a: str, b: str) -> float:
    """The bigram Dice coefficient of two names' stems: 2·|A∩B| / (|A|+|B|)."""
    grams_a, grams_b = bigrams(stem(a)), bigrams(stem(b))
    if not grams_a or not grams_b:
        return 0.0
    return 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))


def units_agree(unit_a: str, unit_b: str) -> bool:
    a, b = name_key(unit_a), name_key(unit_b)
    return not a or not b or a == b


def same_meaning(name_a: str, unit_a: str, name_b: str, unit_b: str) -> bool:
    """The duplicate rule of the module's docstring."""
    key_a, key_b = name_key(name_a), name_key(name_b)
    if not key_a or not key_b:
        return False
    if key_a == key_b:
        return True
    return units_agree(unit_a, unit_b) and dice(name_a, name_b) >= NEAR_SAME


@dataclass(frozen=True)
class Duplicate:
    """A library entry or a pending proposal of the same meaning as a proposed name."""

    kind: str  # "entry" or "proposal"
    obj: CatalogEntry | LibraryProposal
    score: float  # 1.0 for the same name key
    same_name: bool

    @property
    def label(self) -> str:
        return "指标库条目" if self.kind == "entry" else "待审核推荐"


def duplicates(level3: str, unit: str = "", *, exclude: LibraryProposal | None = None) -> list[Duplicate]:
    """Active library entries and pending proposals of the same meaning as `level3`, closest first.
    Two queries (the entries' names, then the pending proposals)."""
    key = name_key(level3)
    if not key:
        return []
    found: list[Duplicate] = []
    entries = CatalogEntry.objects.filter(active=True).only("pk", "level1", "level2", "level3", "unit", "value")
    found += _matches("entry", entries, level3, unit)
    pending = LibraryProposal.objects.filter(status=Status.PENDING).select_related("proposed_by", "source_table")
    if exclude is not None and exclude.pk:
        pending = pending.exclude(pk=exclude.pk)
    found += _matches("proposal", pending, level3, unit)
    found.sort(key=lambda d: (not d.same_name, -d.score, d.kind, d.obj.pk))
    return found


def _matches(kind: str, rows: Iterable, level3: str, unit: str) -> list[Duplicate]:
    key = name_key(level3)
    grams = bigrams(stem(level3))
    out = []
    for row in rows:
        other = name_key(row.level3)
        if other == key:
            out.append(Duplicate(kind, row, 1.0, True))
            continue
        other_grams = bigrams(stem(row.level3))
        if not grams & other_grams:  # most names share no bigram: skip the rest of the rule
            continue
        if same_meaning(level3, unit, row.level3, row.unit):
            out.append(Duplicate(kind, row, dice(level3, row.level3), False))
    return out


# ---------------------------------------------------------------- the lifecycle

PROPOSED_FIELDS = ("level1", "level2", "level3", "value", "unit", "definition", "basis", "reason")


def propose(indicator: Indicator, *, user, field: LibraryField | None = None, **values: str) -> LibraryProposal:
    """A pending proposal of `indicator` (of an approved table: the caller checks who may) with the
    values the reviewer edited (`PROPOSED_FIELDS`; what is not given is taken from the row)."""
    defaults = {
        "level1": indicator.level1,
        "level2": indicator.level2,
        "level3": indicator.level3,
        "value": indicator.value,
        "unit": indicator.unit,
        "definition": indicator.explanation or indicator.description or "",
        "basis": indicator.basis or "",
        "reason": "",
    }
    unknown = set(values) - set(PROPOSED_FIELDS)
    if unknown:
        raise TypeError(f"unknown proposal fields: {sorted(unknown)}")
    data = {key: (values.get(key, defaults[key]) or "").strip() for key in PROPOSED_FIELDS}
    return LibraryProposal.objects.create(
        indicator=indicator, source_table_id=indicator.table_id, field=field, proposed_by=user, **data
    )


def _locked(proposal: LibraryProposal) -> LibraryProposal:
    """The proposal re-read under a row lock, still pending (two admins may decide it at once)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("decide a proposal inside transaction.atomic()")
    current = LibraryProposal.objects.select_for_update().filter(pk=proposal.pk).first()
    if current is None:
        raise ProposalError("该推荐已不存在。")
    if current.status != Status.PENDING:
        raise ProposalError(f"该推荐已处理（{current.get_status_display()}），不能再次审核。")
    return current


def _decided(proposal: LibraryProposal, status: str, user, note: str, entry: CatalogEntry | None) -> None:
    proposal.status = status
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.decision_note = (note or "").strip()
    proposal.entry = entry
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "entry"])


def accept(proposal: LibraryProposal, *, user, note: str = "") -> tuple[LibraryProposal, CatalogEntry]:
    """纳入: a new library entry (origin 纳入, its source table and proposer kept) from the proposal."""
    proposal = _locked(proposal)
    clash = CatalogEntry.objects.filter(
        field_id=proposal.field_id, level2=proposal.level2, level3=proposal.level3
    ).first()
    if clash is not None:
        raise ProposalError(f"指标库中已有同一领域、同一二级指标下的“{clash.level3}”，请选择合并到该条目。")
    source = proposal.source_table
    entry = CatalogEntry.objects.create(
        scheme_id=getattr(getattr(source, "layout", None), "scheme_id", None),
        field=proposal.field,
        level1=proposal.level1,
        level2=proposal.level2,
        level3=proposal.level3,
        value=proposal.value,
        unit=proposal.unit,
        definition=proposal.definition,
        basis=proposal.basis,
        origin=CatalogEntry.Origin.TABLE,
        source_table=source,
        added_by=proposal.proposed_by,
        **_indicator_extras(proposal),
    )
    _decided(proposal, Status.ACCEPTED, user, note, entry)
    return proposal, entry


def _indicator_extras(proposal: LibraryProposal) -> dict:
    """What the source row says beside the proposed fields (comparator, direction, type, scoring)."""
    row = proposal.indicator
    if row is None:
        return {}
    return {
        "comparator": row.comparator,
        "direction": row.direction,
        "value_type": row.value_type,
        "scoring": row.scoring or "",
        "description": row.description or "",
    }


def merge(proposal: LibraryProposal, entry: CatalogEntry, *, user, note: str = "") -> tuple[LibraryProposal, list[str]]:
    """合并: the proposal goes into an existing entry of the same meaning. The entry keeps what it says;
    what it leaves blank (参考指标值, 计量单位, 指标解释, 绩效标准) the proposal fills, and a different
    proposed name becomes one of its keywords (so a search by it finds the entry). Returns the
    proposal and the labels of the fields filled."""
    proposal = _locked(proposal)
    entry = CatalogEntry.objects.select_for_update().get(pk=entry.pk)
    filled = []
    for name in ("value", "unit", "definition", "basis"):
        if not getattr(entry, name).strip() and getattr(proposal, name).strip():
            setattr(entry, name, getattr(proposal, name))
            filled.append(str(CatalogEntry._meta.get_field(name).verbose_name))
    if name_key(proposal.level3) != name_key(entry.level3):
        words = [w for w in re.split(r"[,，;；、\s]+", entry.keywords) if w]
        if proposal.level3 not in words:
            keywords = "，".join([*words, proposal.level3])
            if len(keywords) <= CatalogEntry._meta.get_field("keywords").max_length:
                entry.keywords = keywords
                filled.append("关键词")
    entry.save()
    _decided(proposal, Status.ACCEPTED, user, note, entry)
    return proposal, filled


def decline(proposal: LibraryProposal, *, user, note: str) -> LibraryProposal:
    """未纳入, with the reason the proposer reads."""
    if not (note or "").strip():
        raise ProposalError("请填写不纳入的原因。")
    proposal = _locked(proposal)
    _decided(proposal, Status.DECLINED, user, note, None)
    return proposal
