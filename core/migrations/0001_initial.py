"""Rule, CalendarDay and Heartbeat move from market to core with their tables (market_rule, …)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('market', '0004_lifecycle'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # State only: the tables keep their names and rows; nothing is sent to the database.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.CreateModel(
                    name='CalendarDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(unique=True, verbose_name='日期')),
                        ('is_workday', models.BooleanField(verbose_name='是否工作日')),
                        ('note', models.CharField(blank=True, max_length=60, verbose_name='说明')),
                    ],
                    options={
                        'verbose_name': '工作日历',
                        'verbose_name_plural': '工作日历',
                        'db_table': 'market_calendarday',
                        'ordering': ['date'],
                    },
                ),
                migrations.CreateModel(
                    name='Heartbeat',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=40, unique=True)),
                        ('at', models.DateTimeField()),
                    ],
                    options={
                        'verbose_name': '心跳',
                        'verbose_name_plural': '心跳',
                        'db_table': 'market_heartbeat',
                    },
                ),
                migrations.CreateModel(
                    name='Rule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.SlugField(max_length=60, unique=True, verbose_name='规则键')),
                        ('label', models.CharField(max_length=100, verbose_name='名称')),
                        ('value', models.DecimalField(decimal_places=4, max_digits=14, verbose_name='取值')),
                        ('unit', models.CharField(max_length=20, verbose_name='单位')),
                        ('min_value', models.DecimalField(blank=True, decimal_places=4, max_digits=14, null=True, verbose_name='下限')),
                        ('source', models.TextField(verbose_name='依据')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '规则参数',
                        'verbose_name_plural': '规则参数',
                        'db_table': 'market_rule',
                        'ordering': ['key'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('min_value__isnull', True), ('value__gte', models.F('min_value')), _connector='OR'), name='rule_value_not_below_min')],
                    },
                ),
        ]),
    ]
