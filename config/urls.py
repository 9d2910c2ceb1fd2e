from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tables.passwords import PasswordChangeView, PasswordResetConfirmView, PasswordResetView
from tables.throttle import ThrottledAdminAuthenticationForm, ThrottledLoginView

admin.site.site_header = "绩效目标表管理"
admin.site.site_title = "绩效目标表管理"
admin.site.login_form = ThrottledAdminAuthenticationForm  # the same backoff as /accounts/login/

urlpatterns = [
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("admin/", admin.site.urls),
    path("", include("tables.urls")),
    path("edit/", include("tables.editor.urls")),
    path("review/", include("tables.review.urls")),
    path("setup/", include("tables.setup.urls")),
    path("library/", include("tables.library.urls")),
    path("monitoring/", include("tables.monitoring.urls")),
]

handler400 = "tables.middleware.bad_request"  # a database restart is a 503, not a "bad request"
