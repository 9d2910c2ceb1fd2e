from django.apps import AppConfig


class TablesConfig(AppConfig):
    name = "tables"
    verbose_name = "绩效目标表"

    def ready(self) -> None:
        # Django's place for these: the app registry they use is not ready when this module loads.
        from tables import (
            passwords,  # noqa: F401  (connects the login signal that flags a forced password change)
            system_checks,  # noqa: F401  (registering the checks is the import)
        )
