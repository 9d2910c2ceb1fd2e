from django.urls import path  # noqa: F401  (the library's pages add their paths here)

urlpatterns: list = []
