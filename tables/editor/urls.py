"""The editor's URLs (included under `edit/`)."""

from django.urls import path

from tables.editor import rows, suggested, views

urlpatterns = [
    path("new/", views.start, name="editor-start"),
    path("value/", views.parse_value_view, name="editor-parse-value"),
    path("catalog/", views.catalog, name="editor-catalog"),
    path("<int:pk>/", views.table_entry, name="editor-table"),
    path("<int:pk>/undo/", rows.undo, name="editor-undo"),
    path("<int:pk>/suggest/", views.suggest_names, name="editor-suggest"),
    path("<int:pk>/suggestions/", suggested.panel, name="editor-suggestions"),
    path("<int:pk>/suggestions/add/", suggested.add, name="editor-suggestion-add"),
    path("<int:pk>/rows/<slug:kind>/new/", rows.row_new, name="editor-row-new"),
    path("<int:pk>/rows/<slug:kind>/paste/", rows.paste_rows, name="editor-paste-rows"),
    path("<int:pk>/rows/<slug:kind>/<int:row_id>/", rows.row, name="editor-row"),
    path("<int:pk>/rows/<slug:kind>/<int:row_id>/delete/", rows.row_delete, name="editor-row-delete"),
    path("<int:pk>/rows/<slug:kind>/<int:row_id>/move/", rows.row_move, name="editor-row-move"),
    path("<int:pk>/<slug:step>/", views.step, name="editor-step"),
]
