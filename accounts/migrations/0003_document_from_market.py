"""Document moves from market to accounts with its table (market_document)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_seed_regions'),
        ('market', '0004_lifecycle'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # State only: the tables keep their names and rows; nothing is sent to the database.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.CreateModel(
                    name='Document',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(upload_to='documents/%Y/%m/', verbose_name='文件')),
                        ('original_name', models.CharField(max_length=200, verbose_name='原文件名')),
                        ('content_type', models.CharField(blank=True, max_length=100)),
                        ('size', models.PositiveBigIntegerField(verbose_name='大小')),
                        ('sha256', models.CharField(db_index=True, max_length=64)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='accounts.organisation')),
                        ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '文件',
                        'verbose_name_plural': '文件',
                        'db_table': 'market_document',
                        'constraints': [models.CheckConstraint(condition=models.Q(('size__gt', 0)), name='document_not_empty')],
                    },
                ),
        ]),
    ]
