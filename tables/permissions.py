"""Who sees what. Every view, endpoint and export goes through here."""

from __future__ import annotations

from django.http import Http404


def is_admin(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return _roles(user)["admin"]


def _roles(user) -> dict:
    """Memberships of `user`, read once per request object."""
    cached = getattr(user, "_membership_cache", None)
    if cached is None:
        from tables.models import Membership

        cached = {"admin": False, "filler": [], "reviewer": []}
        for m in Membership.objects.filter(user=user).values("role", "organisation_id", "include_units"):
            if m["role"] == Membership.Role.ADMIN:
                cached["admin"] = True
            else:
                cached[m["role"]].append((m["organisation_id"], m["include_units"]))
        user._membership_cache = cached
    return cached


def visible_organisation_ids(user) -> set[int] | None:
    """Organisation ids `user` may see; None means every organisation.

    A filler sees their own organisation, and its units where the membership
    says so. A reviewer sees the organisations assigned to them and the units
    under those (a 主管部门 is reviewed together with its units).
    """
    if not user.is_authenticated:
        return set()
    if is_admin(user):
        return None
    roles = _roles(user)
    from tables.models import Organisation

    own: set[int] = set()
    with_units: set[int] = set()
    for org_id, include_units in roles["filler"]:
        own.add(org_id)
        if include_units:
            with_units.add(org_id)
    for org_id, _ in roles["reviewer"]:
        own.add(org_id)
        with_units.add(org_id)
    if with_units:
        own |= set(Organisation.objects.filter(parent_id__in=with_units).values_list("pk", flat=True))
    return own


def filled_organisation_ids(user) -> set[int]:
    """Organisations whose tables `user` writes as a filler (units too where the membership says so)."""
    if not user.is_authenticated:
        return set()
    from tables.models import Organisation

    filled = _roles(user)["filler"]
    own = {org_id for org_id, _ in filled}
    with_units = [org_id for org_id, include_units in filled if include_units]
    if with_units:
        own |= set(Organisation.objects.filter(parent_id__in=with_units).values_list("pk", flat=True))
    return own


def role_for(user, organisation) -> str | None:
    """The strongest role `user` has for one organisation (an Organisation or its id): admin,
    reviewer, filler or None. Pass the Organisation when it is at hand: its parent is then known.

    None exactly when the organisation is not in `visible_organisation_ids(user)`: a reviewer
    sees their organisations and the units under them, a filler their own organisation and,
    where the membership says so, its units (tests/test_permission_matrix.py holds the two together).
    """
    if not user.is_authenticated:
        return None
    if is_admin(user):
        return "admin"
    organisation_id = getattr(organisation, "pk", organisation)
    roles = _roles(user)
    if hasattr(organisation, "parent_id"):
        parent_id = organisation.parent_id
    else:
        from tables.models import Organisation

        parent_id = Organisation.objects.filter(pk=organisation_id).values_list("parent_id", flat=True).first()
    for org_id, _ in roles["reviewer"]:
        if org_id in (organisation_id, parent_id):
            return "reviewer"
    for org_id, include_units in roles["filler"]:
        if org_id == organisation_id or (include_units and org_id == parent_id):
            return "filler"
    return None


def get_table_for_user(user, pk: int, queryset=None):
    """The table if `user` may see it, else 404 (no information leak)."""
    from tables.models import TargetTable, one

    qs = queryset if queryset is not None else TargetTable.objects.all()
    table = one(qs.visible_to(user).filter(pk=pk))
    if table is None:
        raise Http404("没有找到该绩效目标表")
    return table
