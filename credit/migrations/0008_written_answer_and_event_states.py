"""Credit appeals become written answers (their `decision` column now holds the state of a
protected state machine, values unchanged), and credit events get a state machine of their
own (same column). State only: nothing is sent to the database."""

import django_fsm
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('credit', '0007_score_rating_inputs')]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RenameField('creditappeal', 'decision', 'status'),
            migrations.AlterField(
                model_name='creditappeal',
                name='status',
                field=django_fsm.FSMField(choices=[('pending', '待答复'), ('upheld', '成立'), ('rejected', '不成立')], db_column='decision', default='pending', max_length=10, protected=True, verbose_name='处理结果'),
            ),
            migrations.RemoveConstraint(
                model_name='creditappeal',
                name='creditappeal_answer_written',
            ),
            migrations.AlterField(
                model_name='creditappeal',
                name='answer',
                field=models.TextField(blank=True, max_length=4000, verbose_name='书面答复'),
            ),
            migrations.AlterField(
                model_name='creditappeal',
                name='answered_at',
                field=models.DateTimeField(blank=True, null=True, verbose_name='答复时间'),
            ),
            migrations.AlterField(
                model_name='creditappeal',
                name='filed_at',
                field=models.DateTimeField(verbose_name='提出时间'),
            ),
            migrations.AlterField(
                model_name='creditappeal',
                name='reason',
                field=models.TextField(max_length=2000, verbose_name='理由'),
            ),
            migrations.AlterField(
                model_name='creditevent',
                name='status',
                field=django_fsm.FSMField(choices=[('active', '生效中'), ('disputed', '申诉中'), ('revoked', '已撤销'), ('expired', '已到期')], default='active', max_length=10, protected=True, verbose_name='状态'),
            ),
            migrations.AddConstraint(
                model_name='creditappeal',
                constraint=models.CheckConstraint(condition=models.Q(('status', 'pending'), models.Q(('answer', ''), _negated=True), _connector='OR'), name='creditappeal_answer_written'),
            ),
        ]),
    ]
