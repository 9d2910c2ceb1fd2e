import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# An app server is production unless told otherwise: it refuses to start without SECRET_KEY.
os.environ.setdefault("DJANGO_ENV", "production")
application = get_asgi_application()
