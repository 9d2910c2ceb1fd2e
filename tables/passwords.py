"""Passwords someone else chose: who must change theirs, and the change page.

A password typed by another person (the accounts import's 初始密码, an admin
adding a user or setting a password in the admin) is known to two people and
often travels by e-mail or on paper. Its owner is sent to the change page at
the next login and can do nothing else until the password is their own.

The flag is a row (`PasswordChangeRequired`); at login it is copied into the
session, so the middleware (`tables.middleware.PasswordChangeRequiredMiddleware`)
reads no table on ordinary requests. Demo users and users created in code
(`create_user`) are never flagged: only the import and the admin flag.

A forgotten password is reset by e-mail with Django's own views (a link valid
for PASSWORD_RESET_TIMEOUT), except for 管理员 and staff accounts: whoever reads
their mailbox would hold the whole system, so another admin resets theirs
(`manage.py reset_password`). Reset e-mails are rate-limited per address and
per e-mail address, and the page never says whether an account exists.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseRedirect

from tables import throttle
from tables.models import PasswordChangeRequired

SESSION_KEY = "password_change_required"


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


RESETS_PER_ADDRESS = 10  # an hour: someone mailing resets to many people from one place
RESETS_PER_EMAIL = 3  # an hour: someone flooding one person's mailbox


class PasswordResetForm(auth_forms.PasswordResetForm):
    def save(self, **kwargs):
        if settings.SITE_URL:  # the address people use, as in the notification e-mails
            site = urlsplit(settings.SITE_URL)
            kwargs.update(domain_override=site.netloc, use_https=site.scheme == "https")
        return super().save(**kwargs)

    def get_users(self, email):
        for user in super().get_users(email):
            if not (user.is_staff or user.is_superuser or user.memberships.filter(role="admin").exists()):
                yield user


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm

    def form_valid(self, form):
        address = throttle.client_ip(self.request)
        email = form.cleaned_data["email"]
        hour = 60 * 60
        if not (
            throttle.within_rate("reset-address", address, RESETS_PER_ADDRESS, hour)
            and throttle.within_rate("reset-email", email, RESETS_PER_EMAIL, hour)
        ):
            return HttpResponseRedirect(self.get_success_url())  # the same page as when a mail went out
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        PasswordChangeRequired.objects.filter(user=form.user).delete()  # the new one is the user's own
        return response
