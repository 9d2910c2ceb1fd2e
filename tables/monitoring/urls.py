"""The monitoring pages' URLs (included under `monitoring/`)."""

from django.urls import path

from tables.monitoring import views

urlpatterns = [
    path("", views.home, name="monitoring-home"),
    path("rounds/new/", views.round_new, name="monitoring-round-new"),
    path("rounds/<int:pk>/", views.round_detail, name="monitoring-round"),
    path("rounds/<int:pk>/refresh/", views.round_refresh, name="monitoring-round-refresh"),
    path("forms/<int:pk>/", views.form_detail, name="monitoring-form"),
    path("forms/<int:pk>/money/", views.form_money, name="monitoring-form-money"),
    path("forms/<int:pk>/narrative/", views.form_narrative, name="monitoring-form-narrative"),
    path("forms/<int:pk>/rows/<int:row_pk>/", views.form_row, name="monitoring-form-row"),
]
