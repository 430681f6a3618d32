"""Database triggers that refuse to change the audit tables (see `audit.guards` for what
each vendor gets and why PostgreSQL alone also refuses DELETE)."""

from django.db import migrations

from audit import guards


def install(apps, schema_editor):
    for statement in guards.create_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    for statement in guards.drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_chain_heads"),
    ]

    operations = [
        migrations.RunPython(install, remove, atomic=False, elidable=False),
    ]
