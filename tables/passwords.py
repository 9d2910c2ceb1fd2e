"""Passwords someone else chose: who must change theirs, and the change page.

A password typed by another person (the accounts import's 初始密码, an admin
adding a user or setting a password in the admin) is known to two people and
often travels by e-mail or on paper. Its owner is sent to the change page at
the next login and can do nothing else until the password is their own.

The flag is a row (`PasswordChangeRequired`); at login it is copied into the
session, so the middleware (`tables.middleware.PasswordChangeRequiredMiddleware`)
reads no table on ordinary requests. Demo users and users created in code
(`create_user`) are never flagged: only the import and the admin flag.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_logged_in
from django.db import models
from django.dispatch import receiver

SESSION_KEY = "password_change_required"


class PasswordChangeRequired(models.Model):
    class Reason(models.TextChoices):
        IMPORTED = "imported", "账号导入时设定的初始密码"
        ADMIN = "admin", "管理员设定的密码"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="password_change_required",
    )
    reason = models.CharField("原因", max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField("设定时间", auto_now_add=True)

    class Meta:
        app_label = "tables"
        verbose_name = "须修改密码的用户"
        verbose_name_plural = "须修改密码的用户"

    def __str__(self) -> str:
        return f"{self.user} · {self.get_reason_display()}"


def require_change(user, reason: str) -> None:
    PasswordChangeRequired.objects.update_or_create(user=user, defaults={"reason": reason})


@receiver(user_logged_in, dispatch_uid="tables.passwords.flag_session")
def _flag_session(sender, request, user, **kwargs) -> None:
    has_session = request is not None and hasattr(request, "session")
    if has_session and PasswordChangeRequired.objects.filter(user=user).exists():
        request.session[SESSION_KEY] = True


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's change page (old password, new password twice, the validators), then the flag goes."""

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session; other sessions of the user end
        PasswordChangeRequired.objects.filter(user=self.request.user).delete()
        self.request.session.pop(SESSION_KEY, None)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["must_change"] = bool(self.request.session.get(SESSION_KEY))
        return context
