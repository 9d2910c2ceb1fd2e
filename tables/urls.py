from django.urls import path

from tables import views

urlpatterns = [
    path("", views.home, name="home"),
    path("tables/<int:pk>/", views.table_detail, name="table-detail"),
    path("tables/<int:pk>/export.json", views.table_json, name="table-json"),
]
