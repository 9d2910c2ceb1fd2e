"""Give a user a new temporary password, to be changed at the next login.

For the person who forgot theirs: the admin runs this (or sets a password on the
user's page in the Django admin), hands the printed password over, and the user
must choose their own before doing anything else (tables.passwords).
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tables.models import PasswordChangeRequired
from tables.passwords import require_change


class Command(BaseCommand):
    help = "为用户设定临时密码（打印出来），用户下次登录时必须先修改密码。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为“{username}”的用户")
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save(update_fields=["password"])
        require_change(user, PasswordChangeRequired.Reason.ADMIN)
        self.stdout.write(f"{username} 的临时密码：{password}\n（下次登录后须先修改密码；其他已登录的会话已失效）")
