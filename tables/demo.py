"""The demo: the five seed tables and one login per persona."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from tables.exchange import import_document, load_file
from tables.models import Membership, Organisation, OverallGoal, TargetTable

DEMO_DIR = Path(__file__).resolve().parent / "fixtures" / "demo"
DEMO_PASSWORD = "demo-2026"


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str


def load_demo() -> list[DemoLogin]:
    """Import the demo tables and create the demo users; running it twice changes nothing new."""
    User = get_user_model()
    logins: list[DemoLogin] = []
    with transaction.atomic():
        for path in sorted(DEMO_DIR.glob("*.json")):
            # Never overwrite a demo table someone has since edited.
            loaded = TargetTable.objects.filter(source=path.name).exists()
            loaded = loaded or OverallGoal.objects.filter(source=path.name).exists()
            if not loaded:
                import_document(load_file(path), path.name)

        admin, _ = User.objects.get_or_create(username="admin", defaults={"is_staff": True, "is_superuser": True})
        _set_password(admin)
        Membership.objects.get_or_create(user=admin, organisation=None, role=Membership.Role.ADMIN)
        logins.append(DemoLogin("admin", DEMO_PASSWORD, "管理员（财政局）", "全部"))

        reviewer, _ = User.objects.get_or_create(username="reviewer", defaults={"first_name": "财政局审核人"})
        _set_password(reviewer)
        departments = Organisation.objects.filter(parent__isnull=True).order_by("pk")
        for org in departments:
            Membership.objects.get_or_create(user=reviewer, organisation=org, role=Membership.Role.REVIEWER)
        logins.append(DemoLogin("reviewer", DEMO_PASSWORD, "审核人", "全部演示部门"))

        for index, org in enumerate(Organisation.objects.order_by("pk"), start=1):
            username = f"filler{index}"
            user, _ = User.objects.get_or_create(username=username, defaults={"first_name": f"{org.name}填报人"})
            _set_password(user)
            Membership.objects.get_or_create(
                user=user,
                organisation=org,
                role=Membership.Role.FILLER,
                defaults={"include_units": org.parent_id is None and org.units.exists()},
            )
            logins.append(DemoLogin(username, DEMO_PASSWORD, "填报人", str(org)))
    return logins


def _set_password(user) -> None:
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save()
