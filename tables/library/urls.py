"""The indicator library's pages (included under `library/`): browsing for everyone signed in, importing
an edition for the bureau admin."""

from django.urls import path

from tables.library import views

urlpatterns = [
    path("", views.library, name="library"),
    path("import/", views.import_upload, name="library-import"),
    path("import/<uuid:pk>/", views.import_preview, name="library-import-preview"),
    path("import/<uuid:pk>/confirm/", views.import_confirm, name="library-import-confirm"),
    path("import/<uuid:pk>/cancel/", views.import_cancel, name="library-import-cancel"),
]
