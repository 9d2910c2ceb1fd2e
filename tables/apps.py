from django.apps import AppConfig


class TablesConfig(AppConfig):
    name = "tables"
    verbose_name = "绩效目标表"
