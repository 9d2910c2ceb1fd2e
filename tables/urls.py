from django.urls import path, register_converter

from tables import views
from tables.exports import views as export_views
from tables.imports import preview_views
from tables.imports.batch import views as batch_views


class FileFormat:
    """The official file formats a table downloads as."""

    regex = "pdf|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FileFormat, "fmt")

urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("tables/<int:pk>/", views.table_detail, name="table-detail"),
    path("tables/<int:pk>/export.json", views.table_json, name="table-json"),
    path("tables/<int:pk>/export.<fmt:fmt>", views.table_download, name="table-download"),
    path("search/", views.search, name="search"),
    path("booklets/", views.booklets, name="booklets"),
    path("booklets/<int:pk>/export.<fmt:fmt>", views.booklet_download, name="booklet-download"),
    path("templates/<slug:code>.xlsx", views.blank_template, name="blank-template"),
    path("exports/", export_views.export_start, name="export-start"),
    path("exports/<uuid:pk>/", export_views.export_job, name="export-job"),
    path("exports/<uuid:pk>/download", export_views.export_download, name="export-download"),
    path("imports/batch/", batch_views.import_batch_start, name="import-batch-start"),
    path("imports/batch/<uuid:pk>/", batch_views.import_batch, name="import-batch"),
    path("imports/", preview_views.upload, name="import-upload"),
    path("imports/<uuid:pk>/", preview_views.preview_page, name="import-preview"),
    path("imports/<uuid:pk>/confirm/", preview_views.confirm, name="import-confirm"),
    path("imports/<uuid:pk>/cancel/", preview_views.cancel, name="import-cancel"),
]
