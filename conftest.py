import os

# The test settings: a temporary database, a fast hasher, a per-process cache (config/settings.py).
os.environ.setdefault("TESTING", "1")
# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
