from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tables.throttle import ThrottledLoginView

admin.site.site_header = "绩效目标表管理"
admin.site.site_title = "绩效目标表管理"

urlpatterns = [
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("tables.urls")),
    path("edit/", include("tables.editor_urls")),
    path("review/", include("tables.review_urls")),
]
