"""Rating disputes become written answers: the `decision` column holds the state of a
protected state machine (kept → rejected, voided → upheld: the rating's fate is unchanged)."""

import django_fsm
from django.db import migrations, models

VALUE_MAP = {'voided': 'upheld', 'kept': 'rejected'}  # old stored decision: new status


def statuses_forward(apps, schema_editor):
    manager = apps.get_model("ratings", "ratingdispute")._base_manager
    for old, new in VALUE_MAP.items():
        manager.filter(status=old).update(status=new)


def statuses_back(apps, schema_editor):
    manager = apps.get_model("ratings", "ratingdispute")._base_manager
    for old, new in VALUE_MAP.items():
        manager.filter(status=new).update(status=old)


class Migration(migrations.Migration):
    dependencies = [('ratings', '0002_score_inputs_backfill')]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RenameField('ratingdispute', 'decision', 'status'),
            migrations.AlterField(
                model_name='ratingdispute',
                name='status',
                field=django_fsm.FSMField(choices=[('pending', '待答复'), ('upheld', '成立'), ('rejected', '不成立')], db_column='decision', default='pending', max_length=8, protected=True, verbose_name='处理结果'),
            ),
            migrations.RemoveConstraint(
                model_name='ratingdispute',
                name='ratingdispute_answer_written',
            ),
            migrations.AlterField(
                model_name='ratingdispute',
                name='answer',
                field=models.TextField(blank=True, max_length=4000, verbose_name='书面答复'),
            ),
            migrations.AlterField(
                model_name='ratingdispute',
                name='answered_at',
                field=models.DateTimeField(blank=True, null=True, verbose_name='答复时间'),
            ),
            migrations.AlterField(
                model_name='ratingdispute',
                name='filed_at',
                field=models.DateTimeField(verbose_name='提出时间'),
            ),
            migrations.AlterField(
                model_name='ratingdispute',
                name='reason',
                field=models.TextField(max_length=2000, verbose_name='理由'),
            ),
            migrations.AddConstraint(
                model_name='ratingdispute',
                constraint=models.CheckConstraint(condition=models.Q(('status', 'pending'), models.Q(('answer', ''), _negated=True), _connector='OR'), name='ratingdispute_answer_written'),
            ),
        ]),
        migrations.RunPython(statuses_forward, statuses_back),
    ]
