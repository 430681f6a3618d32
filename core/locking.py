"""Row locks that mean the same on every supported database.

PostgreSQL takes `FOR NO KEY UPDATE OF <table>`: it serialises writers of the row without
blocking inserts of rows that reference it (sign-ups, bids) and without locking joined
rows. MySQL/MariaDB know neither option (Django raises rather than ignoring them), so they
get a plain `FOR UPDATE`; SQLite ignores row locks and serialises every writer instead.
"""

from django.db import connections
from django.db.models import QuerySet


def lock_rows(qs: QuerySet, *, skip_locked: bool = False) -> QuerySet:
    """`qs.select_for_update(...)` with the strongest non-blocking-for-references lock the
    database offers. Must be evaluated inside `transaction.atomic()`."""
    features = connections[qs.db].features
    options = {"skip_locked": skip_locked and features.has_select_for_update_skip_locked}
    if features.has_select_for_no_key_update:
        options["no_key"] = True
    if features.has_select_for_update_of and qs.query.select_related:
        options["of"] = ("self",)
    return qs.select_for_update(**options)
