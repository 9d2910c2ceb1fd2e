import os

# Settings refuse to start without SECRET_KEY unless DEBUG or TESTING is set.
os.environ.setdefault("TESTING", "1")
# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
