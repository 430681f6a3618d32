"""The anti-avoidance cases (异常线索), one per signal and subject."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_owner_application'),
        ('supervision', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SignalCase',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('direct_share', '直接选取占比高'), ('failed_to_direct', '流标后转直接选取'), ('repeat_pair', '同一业主与机构反复成交'), ('near_ceiling', '成交价贴近最高限价'), ('last_minute', '竞价总在最后时刻同时出价'), ('ring', '共同报名从不相互竞价（疑似围标、陪标）'), ('late_contract', '公示结束后迟迟上传合同'), ('fast_acceptance', '交付后过快验收'), ('splitting', '化整为零')], max_length=20, verbose_name='信号')),
                ('subject', models.CharField(max_length=120)),
                ('status', models.CharField(choices=[('open', '待核查'), ('reviewed', '已核查'), ('cleared', '已消除')], default='open', max_length=10, verbose_name='状态')),
                ('firm_ids', models.JSONField(blank=True, default=list)),
                ('request_ids', models.JSONField(blank=True, default=list)),
                ('figure', models.DecimalField(decimal_places=2, max_digits=16, verbose_name='数值')),
                ('figure_unit', models.CharField(max_length=10)),
                ('threshold', models.DecimalField(decimal_places=4, max_digits=16, verbose_name='预警线')),
                ('rule_key', models.CharField(max_length=60)),
                ('summary', models.CharField(max_length=300, verbose_name='说明')),
                ('facts', models.JSONField(blank=True, default=dict)),
                ('fact_keys', models.JSONField(blank=True, default=list)),
                ('fingerprint', models.CharField(max_length=64)),
                ('detected_at', models.DateTimeField(verbose_name='发现时间')),
                ('last_seen_at', models.DateTimeField(verbose_name='最近检出时间')),
                ('due_at', models.DateTimeField(verbose_name='核查期限')),
                ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='核查时间')),
                ('review_note', models.TextField(blank=True, verbose_name='核查意见')),
                ('reviewed_fact_keys', models.JSONField(blank=True, default=list)),
                ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='项目业主')),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.region', verbose_name='所属区划')),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '异常线索',
                'verbose_name_plural': '异常线索',
                'ordering': ['due_at', 'id'],
                'indexes': [models.Index(fields=['status', 'due_at'], name='signal_case_status_due')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'subject'), name='signal_case_once'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'reviewed'), _negated=True), models.Q(('reviewed_at__isnull', False), models.Q(('review_note', ''), _negated=True)), _connector='OR'), name='signal_case_reviewed_with_note')],
            },
        ),
    ]
