"""Users who must change a password someone else chose before doing anything else."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
