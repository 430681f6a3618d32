"""Invitation and SignUp join market from bidding; Rule, CalendarDay and Heartbeat go to core,
Document to accounts. Tables and rows stay as they are; content types follow the models."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVES = [  # (old app, new app, model)
    ("market", "core", "rule"), ("market", "core", "calendarday"), ("market", "core", "heartbeat"),
    ("market", "accounts", "document"), ("bidding", "market", "invitation"), ("bidding", "market", "signup"),
]


def content_types_follow(apps, schema_editor):
    """Point the moved models' content types (and so their permissions and admin log
    entries) at their new app, unless the new app already has one."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old, new, model in MOVES:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for old, new, model in MOVES:
        if not ContentType.objects.filter(app_label=old, model=model).exists():
            ContentType.objects.filter(app_label=new, model=model).update(app_label=old)


class Migration(migrations.Migration):

    dependencies = [
        ('market', '0004_lifecycle'),
        ('core', '0001_initial'),
        ('accounts', '0003_document_from_market'),
        ('credit', '0006_evidence_document_in_accounts'),
        ('bidding', '0004_signups_to_market'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    # State only: the tables keep their names and rows; nothing is sent to the database.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.CreateModel(
                    name='Invitation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('round', models.PositiveSmallIntegerField(default=1, verbose_name='发布轮次')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('mail_status', models.CharField(choices=[('pending', '待发送'), ('sending', '发送中'), ('sent', '已发送'), ('failed', '发送失败'), ('none', '无邮箱')], default='pending', max_length=10)),
                        ('mail_error', models.CharField(blank=True, max_length=200)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invitations', to='accounts.organisation')),
                    ],
                    options={
                        'verbose_name': '采购邀请',
                        'verbose_name_plural': '采购邀请',
                        'db_table': 'bidding_invitation',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='SignUp',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('round', models.PositiveSmallIntegerField(default=1, verbose_name='发布轮次')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='报名时间')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='signups', to='accounts.organisation')),
                    ],
                    options={
                        'verbose_name': '报名',
                        'verbose_name_plural': '报名',
                        'db_table': 'bidding_signup',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.DeleteModel(
                    name='CalendarDay',
                ),
                migrations.RemoveField(
                    model_name='document',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='document',
                    name='uploaded_by',
                ),
                migrations.AlterField(
                    model_name='entry',
                    name='licence',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.document', verbose_name='营业执照'),
                ),
                migrations.AlterField(
                    model_name='objection',
                    name='attachment',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.document', verbose_name='附件'),
                ),
                migrations.AlterField(
                    model_name='terminationrequest',
                    name='evidence',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.document', verbose_name='证据'),
                ),
                migrations.AlterField(
                    model_name='qualification',
                    name='scan',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.document', verbose_name='证书扫描件'),
                ),
                migrations.AlterField(
                    model_name='servicerequest',
                    name='result_document',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.document', verbose_name='服务成果文件'),
                ),
                migrations.AlterField(
                    model_name='servicerequest',
                    name='contract_owner_document',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.document', verbose_name='合同（业主上传）'),
                ),
                migrations.AlterField(
                    model_name='servicerequest',
                    name='contract_firm_document',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.document', verbose_name='合同（中介机构上传）'),
                ),
                migrations.DeleteModel(
                    name='Heartbeat',
                ),
                migrations.RemoveField(
                    model_name='rule',
                    name='updated_by',
                ),
                migrations.AddField(
                    model_name='invitation',
                    name='request',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='market.servicerequest'),
                ),
                migrations.AddField(
                    model_name='signup',
                    name='request',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='signups', to='market.servicerequest'),
                ),
                migrations.AddField(
                    model_name='signup',
                    name='user',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.DeleteModel(
                    name='Document',
                ),
                migrations.DeleteModel(
                    name='Rule',
                ),
                migrations.AddConstraint(
                    model_name='invitation',
                    constraint=models.UniqueConstraint(fields=('request', 'organisation', 'round'), name='invitation_once_per_round'),
                ),
                migrations.AddConstraint(
                    model_name='signup',
                    constraint=models.UniqueConstraint(fields=('request', 'organisation', 'round'), name='signup_once_per_round'),
                ),
        ]),
        migrations.RunPython(content_types_follow, content_types_back),
]
