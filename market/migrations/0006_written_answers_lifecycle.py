"""Objections and termination requests become written answers (`core.models.WrittenAnswer`):
their fields take the shared names while the columns keep theirs (state only), their states
become a protected state machine pending → upheld | rejected (the stored values are mapped:
dismissed, refused → rejected; granted → upheld), and a termination request gets an answer
deadline and must be answered in writing. The request loses its unreachable `closed`
state, and its method's choices come from the registered selection methods."""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models

import market.selection

VALUE_MAP = {  # model: {old stored status: new}
    "objection": {"dismissed": "rejected"},
    "terminationrequest": {"granted": "upheld", "refused": "rejected"},
}


def statuses_forward(apps, schema_editor):
    for model, mapping in VALUE_MAP.items():
        manager = apps.get_model("market", model)._base_manager
        for old, new in mapping.items():
            manager.filter(status=old).update(status=new)


def statuses_back(apps, schema_editor):
    for model, mapping in VALUE_MAP.items():
        manager = apps.get_model("market", model)._base_manager
        for old, new in mapping.items():
            manager.filter(status=new).update(status=old)


class Migration(migrations.Migration):
    dependencies = [
        ("market", "0005_move_models"),
        ("core", "0002_remove_dead_rules"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # State only: names, db_column, choices, verbose names and the FSM field class.
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RenameField("objection", "user", "filed_by"),
            migrations.RenameField("objection", "lodged_at", "filed_at"),
            migrations.RenameField("terminationrequest", "user", "filed_by"),
            migrations.RenameField("terminationrequest", "asked_at", "filed_at"),
            migrations.RenameField("terminationrequest", "decided_by", "answered_by"),
            migrations.RenameField("terminationrequest", "decided_at", "answered_at"),
            migrations.AlterModelOptions(
                name='objection',
                options={'ordering': ['-filed_at', '-id'], 'verbose_name': '质疑', 'verbose_name_plural': '质疑'},
            ),
            migrations.AlterModelOptions(
                name='terminationrequest',
                options={'ordering': ['-filed_at', '-id'], 'verbose_name': '终止申请', 'verbose_name_plural': '终止申请'},
            ),
            migrations.AlterField(
                model_name='objection',
                name='answer',
                field=models.TextField(blank=True, max_length=4000, verbose_name='书面答复'),
            ),
            migrations.AlterField(
                model_name='objection',
                name='answered_at',
                field=models.DateTimeField(blank=True, null=True, verbose_name='答复时间'),
            ),
            migrations.AlterField(
                model_name='objection',
                name='filed_at',
                field=models.DateTimeField(db_column='lodged_at', verbose_name='提出时间'),
            ),
            migrations.AlterField(
                model_name='objection',
                name='filed_by',
                field=models.ForeignKey(db_column='user_id', on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='objection',
                name='reason',
                field=models.TextField(max_length=2000, verbose_name='理由'),
            ),
            migrations.AlterField(
                model_name='objection',
                name='status',
                field=django_fsm.FSMField(choices=[('pending', '待答复'), ('upheld', '成立'), ('rejected', '不成立')], default='pending', max_length=10, protected=True, verbose_name='状态'),
            ),
            migrations.AlterField(
                model_name='servicerequest',
                name='method',
                field=models.CharField(choices=market.selection.method_choices, max_length=10, verbose_name='选取方式'),
            ),
            migrations.AlterField(
                model_name='servicerequest',
                name='status',
                field=django_fsm.FSMField(choices=[('draft', '草稿'), ('published', '报名中'), ('selecting', '选取中'), ('awaiting_confirmation', '待确认结果'), ('publicity', '结果公示'), ('objection', '质疑处理中'), ('contracting', '合同签订'), ('in_service', '服务中'), ('delivered', '已交付'), ('completed', '已验收'), ('rated', '已评价'), ('cancelled', '已取消'), ('failed', '流标'), ('terminated', '已终止')], db_index=True, default='draft', max_length=50, protected=True, verbose_name='状态'),
            ),
            migrations.AlterField(
                model_name='terminationrequest',
                name='answer',
                field=models.TextField(blank=True, max_length=4000, verbose_name='书面答复'),
            ),
            migrations.AlterField(
                model_name='terminationrequest',
                name='answered_at',
                field=models.DateTimeField(blank=True, db_column='decided_at', null=True, verbose_name='处理时间'),
            ),
            migrations.AlterField(
                model_name='terminationrequest',
                name='answered_by',
                field=models.ForeignKey(blank=True, db_column='decided_by_id', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='terminationrequest',
                name='filed_at',
                field=models.DateTimeField(db_column='asked_at', verbose_name='申请时间'),
            ),
            migrations.AlterField(
                model_name='terminationrequest',
                name='filed_by',
                field=models.ForeignKey(db_column='user_id', on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='terminationrequest',
                name='reason',
                field=models.TextField(max_length=2000, verbose_name='理由'),
            ),
            migrations.AlterField(
                model_name='terminationrequest',
                name='status',
                field=django_fsm.FSMField(choices=[('pending', '待答复'), ('upheld', '成立'), ('rejected', '不成立')], default='pending', max_length=10, protected=True, verbose_name='状态'),
            ),
        ]),
        # What the database gets: one new nullable column, mapped values, one check.
        migrations.AddField(
            model_name='terminationrequest',
            name='answer_due',
            field=models.DateTimeField(blank=True, null=True, verbose_name='处理期限'),
        ),
        migrations.RunPython(statuses_forward, statuses_back),
        migrations.AddConstraint(
            model_name='terminationrequest',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'pending'), models.Q(('answer', ''), _negated=True), _connector='OR'), name='termination_answered_in_writing'),
        ),
    ]
