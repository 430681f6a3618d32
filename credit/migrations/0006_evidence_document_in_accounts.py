"""CreditEvent.evidence points at accounts.Document (same table as before)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_document_from_market'),
        ('credit', '0005_contract_breach_kind'),
    ]

    # State only: the tables keep their names and rows; nothing is sent to the database.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.AlterField(
                    model_name='creditevent',
                    name='evidence',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.document', verbose_name='证据材料'),
                ),
        ]),
    ]
