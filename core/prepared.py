"""A hot-path query compiled once and then only re-bound.

Django builds and compiles a queryset anew at every call: for the bid's context (the
answer already given to a client_id and the firm's eligibility, one statement) that was a
third of a bid's Python time. `query_prepare` compiles a queryset for two different sets
of sample inputs; it keeps the SQL only when both compile to the same text with the same
number of parameters, and maps every parameter that differs between the two to the input
it is (or a derivation of it: the local date of a time, a UUID's hex form). Anything it
cannot map makes it give up (None): the caller then runs the ORM query as before. A
prepared query is therefore never wrong about its shape, only absent.

What a prepared query does not see: anything the queryset's builder read when it was
built (a rule, a row) and wrote into the SQL as a constant. Callers key their prepared
queries by every such value (see `bidding.services_auction._bid_context`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone


def _derivations(value: Any) -> list[tuple[str, Callable[[Any], Any]]]:
    """The forms an input may take among a compiled query's parameters."""
    forms: list[tuple[str, Callable[[Any], Any]]] = [("value", lambda v: v)]
    if isinstance(value, datetime):
        forms += [("localdate", timezone.localdate), ("date", lambda v: v.date())]
    elif isinstance(value, uuid.UUID):
        forms += [("hex", lambda v: v.hex), ("str", str)]
    elif isinstance(value, date):
        forms += [("isoformat", lambda v: v.isoformat())]
    return forms


@dataclass(frozen=True)
class PreparedQuery:
    sql: str
    params: tuple
    # (parameter index, input name, derivation)
    slots: tuple[tuple[int, str, Callable[[Any], Any]], ...]

    def rows(self, **inputs) -> list[tuple]:
        """Run the query with `inputs` bound (the names `query_prepare` was given) on the
        default connection; rows as the database driver returns them (no ORM converters)."""
        params = list(self.params)
        for index, name, derive in self.slots:
            params[index] = derive(inputs[name])
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()


def query_prepare(build: Callable[..., QuerySet], samples: tuple[dict, dict]) -> PreparedQuery | None:
    """Compile `build(**inputs)` once for each of the two `samples` (the same names, every
    value different between them) and return the prepared query, or None when the two
    compile to different SQL or a differing parameter cannot be traced to one input."""
    first, second = samples
    sql1, params1 = build(**first).query.sql_with_params()
    sql2, params2 = build(**second).query.sql_with_params()
    if sql1 != sql2 or len(params1) != len(params2):
        return None
    slots = []
    for index, (a, b) in enumerate(zip(params1, params2)):
        if a == b:
            continue
        found = None
        for name in first:
            for _form, derive in _derivations(first[name]):
                try:
                    if derive(first[name]) == a and derive(second[name]) == b:
                        found = (index, name, derive)
                        break
                except (TypeError, ValueError, AttributeError):
                    continue
            if found:
                break
        if found is None:
            return None
        slots.append(found)
    return PreparedQuery(sql=sql1, params=tuple(params1), slots=tuple(slots))
