"""The indicator library's pages (included under `library/`): browsing for everyone signed in, importing
an edition for the bureau admin, an indicator's reference sheet, and 纳入指标库 proposals."""

from django.urls import path

from tables.library import proposals, sheet, views

urlpatterns = [
    path("", views.library, name="library"),
    path("import/", views.import_upload, name="library-import"),
    path("import/<uuid:pk>/", views.import_preview, name="library-import-preview"),
    path("import/<uuid:pk>/confirm/", views.import_confirm, name="library-import-confirm"),
    path("import/<uuid:pk>/cancel/", views.import_cancel, name="library-import-cancel"),
    # an indicator's reference sheet (指标说明): an entry, a name, or an indicator row's name
    path("entries/<int:pk>/", sheet.entry_sheet, name="library-entry"),
    path("sheet/", sheet.name_sheet, name="library-sheet"),
    path("indicators/<int:indicator_id>/", sheet.indicator_sheet, name="library-indicator-sheet"),
    # 纳入指标库: proposed by reviewers, decided by the bureau admin
    path("indicators/<int:indicator_id>/propose/", proposals.propose, name="library-propose"),
    path("proposals/", proposals.proposal_queue, name="library-proposals"),
    path("proposals/<int:pk>/", proposals.proposal_page, name="library-proposal"),
]
