import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# An app server is production unless told otherwise: it refuses to start without SECRET_KEY.
# runserver imports this module too, with its settings loaded: its environment (which the
# processes it starts inherit) stays as it is.
if not settings.configured:
    os.environ.setdefault("DJANGO_ENV", "production")
application = get_asgi_application()
