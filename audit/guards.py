"""Database triggers that refuse to change the append-only tables, per database vendor.

The model already refuses (`audit.models.AppendOnlyModel`); these stop anything that goes
around it (raw SQL, another client, a mistaken migration). What each vendor gets:

- PostgreSQL: BEFORE UPDATE OR DELETE, per row, raises. TRUNCATE is not refused: it fires
  no row trigger, and Django's `flush` (between transactional tests, `manage.py flush`)
  empties tables with TRUNCATE on PostgreSQL.
- MariaDB / MySQL: BEFORE UPDATE raises (SIGNAL 45000). No DELETE trigger: Django's
  `flush` empties tables with DELETE on MySQL, so one would break it.
- SQLite: BEFORE UPDATE raises (RAISE(ABORT)). No DELETE trigger, for the same reason.

None of this stops the owner of the schema, who can drop a trigger; the hash chain and
the published daily heads are what make such a rewrite detectable afterwards.

Note for future migrations on SQLite: Django alters a column by re-creating the table,
which drops its triggers. `tests/audit/test_append_only.py` checks the triggers exist
after all migrations, so such a migration must re-run `create_sql` (see migration 0003).
"""

TABLES = ("audit_auditrecord", "audit_chainhead", "audit_dailyroot")
MESSAGE = "audit tables are append-only"


def _name(table: str, what: str) -> str:
    return f"{table}_no_{what}"


def trigger_names(vendor: str) -> list[str]:
    """The names of the guard triggers installed on `vendor`."""
    if vendor == "postgresql":
        return [_name(t, "change") for t in TABLES]
    if vendor in ("mysql", "sqlite"):
        return [_name(t, "update") for t in TABLES]
    return []


def create_sql(vendor: str) -> list[str]:
    """Statements that install the guards on `vendor` (none for an unknown vendor)."""
    if vendor == "postgresql":
        function = (
            "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}: % on % refused', TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'insufficient_privilege'; END $$;"
        )
        return [function] + [
            f"CREATE TRIGGER {_name(t, 'change')} BEFORE UPDATE OR DELETE ON {t} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();"
            for t in TABLES
        ]
    if vendor == "mysql":
        return [
            f"CREATE TRIGGER {_name(t, 'update')} BEFORE UPDATE ON {t} FOR EACH ROW "
            f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{MESSAGE}: UPDATE on {t} refused'"
            for t in TABLES
        ]
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER {_name(t, 'update')} BEFORE UPDATE ON {t} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE on {t} refused'); END;"
            for t in TABLES
        ]
    return []


def drop_sql(vendor: str) -> list[str]:
    """Statements that remove the guards (the migration's reverse)."""
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {_name(t, 'change')} ON {t};" for t in TABLES] + [
            "DROP FUNCTION IF EXISTS audit_refuse_change();"
        ]
    if vendor in ("mysql", "sqlite"):
        return [f"DROP TRIGGER IF EXISTS {_name(t, 'update')};" for t in TABLES]
    return []


def installed(connection) -> set[str]:
    """The guard trigger names present in `connection`'s database."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        elif vendor == "mysql":
            cursor.execute("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()")
        elif vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            return set()
        return {row[0] for row in cursor.fetchall()} & set(trigger_names(vendor))
