"""Going around the platform, as the owner of the database schema could: the guard
triggers are dropped for the duration and put back afterwards.

Use only in transactional tests (`django_db(transaction=True)`): MySQL commits implicitly
on DROP TRIGGER, which would end an ordinary test's enclosing transaction."""

from contextlib import contextmanager

from django.db import connection

from audit import guards


@contextmanager
def guards_lifted():
    with connection.cursor() as cursor:
        for statement in guards.drop_sql(connection.vendor):
            cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for statement in guards.create_sql(connection.vendor):
                cursor.execute(statement)


def raw(sql: str, params: list | None = None) -> int:
    """Run `sql` directly on the database; the number of rows it touched."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount
