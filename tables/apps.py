from django.apps import AppConfig


class TablesConfig(AppConfig):
    name = "tables"
    verbose_name = "绩效目标表"

    def ready(self) -> None:
        from tables import system_checks  # noqa: F401  (registering the checks is the import)
