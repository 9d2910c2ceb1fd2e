"""The editor's URLs (included under `edit/`)."""

from django.urls import path

from tables import editor

urlpatterns = [
    path("new/", editor.start, name="editor-start"),
    path("value/", editor.parse_value_view, name="editor-parse-value"),
    path("catalog/", editor.catalog, name="editor-catalog"),
    path("catalog/add/<int:indicator_id>/", editor.catalog_add, name="editor-catalog-add"),
    path("<int:pk>/", editor.table_entry, name="editor-table"),
    path("<int:pk>/undo/", editor.undo, name="editor-undo"),
    path("<int:pk>/suggest/", editor.suggest_names, name="editor-suggest"),
    path("<int:pk>/rows/<slug:kind>/new/", editor.row_new, name="editor-row-new"),
    path("<int:pk>/rows/<slug:kind>/paste/", editor.paste_rows, name="editor-paste-rows"),
    path("<int:pk>/rows/<slug:kind>/<int:row_id>/", editor.row, name="editor-row"),
    path("<int:pk>/rows/<slug:kind>/<int:row_id>/delete/", editor.row_delete, name="editor-row-delete"),
    path("<int:pk>/rows/<slug:kind>/<int:row_id>/move/", editor.row_move, name="editor-row-move"),
    path("<int:pk>/<slug:step>/", editor.step, name="editor-step"),
]
