"""The set-up pages' URLs (included under `setup/`): only the bureau admin reaches them."""

from django.urls import path

from tables.setup import views

urlpatterns = [
    path("", views.people, name="setup-people"),
    path("people/new/", views.person_new, name="setup-person-new"),
    path("people/<int:pk>/", views.person_edit, name="setup-person"),
    path("people/<int:pk>/duties/", views.person_duty_add, name="setup-person-duty-add"),
    path(
        "people/<int:pk>/duties/<int:membership_pk>/remove/",
        views.person_duty_remove,
        name="setup-person-duty-remove",
    ),
    path("organisations/", views.organisations, name="setup-organisations"),
    path("organisations/new/", views.organisation_edit, name="setup-organisation-new"),
    path("organisations/<int:pk>/", views.organisation_edit, name="setup-organisation"),
    path("rounds/", views.rounds, name="setup-rounds"),
    path("rounds/<int:pk>/", views.round_edit, name="setup-round"),
]
