"""Invitation and SignUp leave bidding for market (market 0005 takes them, tables unchanged)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('bidding', '0003_auction'),
    ]

    # State only: the tables keep their names and rows; nothing is sent to the database.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.RemoveField(
                    model_name='signup',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='signup',
                    name='request',
                ),
                migrations.RemoveField(
                    model_name='signup',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='Invitation',
                ),
                migrations.DeleteModel(
                    name='SignUp',
                ),
        ]),
    ]
