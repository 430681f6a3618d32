"""Test settings: fast hashing, locmem mail, eager Celery, in-memory channel layer unless
the suite is pointed at Redis (REDIS_URL) to prove the multi-process path."""

import os

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "*")

from .base import *  # noqa: E402,F403
from .base import DATABASES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT = None  # not the SQLite transport base.py picks without Redis
CELERY_BROKER_TRANSPORT_OPTIONS = {}
MEDIA_ROOT = VAR_DIR / "test-media"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not :memory:, so a Daphne live server in another process sees the data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    # No WAL for the throw-away test file: Django deletes and re-creates the database file
    # per run, and stale -wal/-shm files of a killed run would make it unreadable.
    DATABASES["default"]["OPTIONS"].pop("init_command", None)
NOTIFICATION_POLL_SECONDS = 1.0
SERVE_STATIC = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
