from django.urls import path, register_converter

from tables import views
from tables.exports import views as export_views


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
]
