"""Comparison selection (询比选取): criteria, items, panel, sealed quotes, openings, scores (new tables only)."""

import core.models
import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_document_from_market'),
        ('bidding', '0004_signups_to_market'),
        ('market', '0006_written_answers_lifecycle'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ComparisonCriteria',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('price_weight', models.PositiveSmallIntegerField(verbose_name='价格分权重')),
                ('formula', models.CharField(choices=[('lowest_price', '低价优先法')], default='lowest_price', max_length=20, verbose_name='价格分计算方法')),
                ('frozen_at', models.DateTimeField(blank=True, null=True, verbose_name='随公告发布时间')),
                ('updated_at', models.DateTimeField(verbose_name='设置时间')),
                ('request', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='comparison_criteria', to='market.servicerequest', verbose_name='采购需求')),
                ('updated_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '询比评审标准',
                'verbose_name_plural': '询比评审标准',
            },
        ),
        migrations.CreateModel(
            name='ComparisonItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(verbose_name='序号')),
                ('name', models.CharField(max_length=60, verbose_name='评审因素')),
                ('kind', models.CharField(choices=[('judged', '评审打分'), ('credit', '信用评分')], default='judged', max_length=10, verbose_name='计分方式')),
                ('weight', models.PositiveSmallIntegerField(verbose_name='权重（分值）')),
                ('guidance', models.TextField(blank=True, verbose_name='评分标准')),
                ('criteria', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='bidding.comparisoncriteria')),
            ],
            options={
                'verbose_name': '询比评审因素',
                'verbose_name_plural': '询比评审因素',
                'ordering': ['criteria', 'position'],
            },
        ),
        migrations.CreateModel(
            name='ComparisonOpening',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('round', models.PositiveSmallIntegerField(verbose_name='发布轮次')),
                ('status', django_fsm.FSMField(choices=[('scoring', '评审中'), ('evaluated', '评审完成'), ('lapsed', '评审逾期'), ('void', '报价不足')], default='scoring', max_length=50, protected=True, verbose_name='状态')),
                ('opened_at', models.DateTimeField(verbose_name='开标时间')),
                ('scoring_due', models.DateTimeField(blank=True, db_index=True, null=True, verbose_name='评审期限')),
                ('record', models.JSONField(default=dict, verbose_name='开标记录')),
                ('result', models.JSONField(blank=True, default=list, verbose_name='评审结果')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='评审结束时间')),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='comparison_openings', to='market.servicerequest', verbose_name='采购需求')),
            ],
            options={
                'verbose_name': '询比开标',
                'verbose_name_plural': '询比开标',
                'ordering': ['-opened_at', '-id'],
            },
            bases=(core.models.SerialRefreshMixin, django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='ComparisonPanelist',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('criteria', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='panel', to='bidding.comparisoncriteria')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='评审人')),
            ],
            options={
                'verbose_name': '询比评审小组成员',
                'verbose_name_plural': '询比评审小组成员',
            },
        ),
        migrations.CreateModel(
            name='ComparisonQuote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('round', models.PositiveSmallIntegerField(verbose_name='发布轮次')),
                ('submitted_at', models.DateTimeField(verbose_name='递交时间')),
                ('submissions', models.PositiveSmallIntegerField(default=1, verbose_name='递交次数')),
                ('sealed', models.TextField(verbose_name='密封数据')),
                ('quote_sha256', models.CharField(max_length=64, verbose_name='报价 SHA-256')),
                ('document_sealed', models.FileField(max_length=200, upload_to='sealed/%Y/%m/', verbose_name='响应文件（密文）')),
                ('document_size', models.PositiveBigIntegerField(verbose_name='响应文件大小')),
                ('document_sha256', models.CharField(max_length=64, verbose_name='响应文件 SHA-256')),
                ('amount', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='报价（元）')),
                ('salt', models.CharField(blank=True, max_length=32)),
                ('document_name', models.CharField(blank=True, max_length=200, verbose_name='响应文件名')),
                ('document_content_type', models.CharField(blank=True, max_length=100)),
                ('opened_at', models.DateTimeField(blank=True, null=True, verbose_name='开启时间')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='中介机构')),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='comparison_quotes', to='market.servicerequest', verbose_name='采购需求')),
                ('submitted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '询比报价',
                'verbose_name_plural': '询比报价',
                'ordering': ['request', 'round', 'submitted_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ComparisonScore',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('points', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='得分')),
                ('reason', models.TextField(verbose_name='评分理由')),
                ('scored_at', models.DateTimeField(verbose_name='评分时间')),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='bidding.comparisonitem')),
                ('opening', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='scores', to='bidding.comparisonopening')),
                ('quote', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='scores', to='bidding.comparisonquote')),
                ('scorer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='评审人')),
            ],
            options={
                'verbose_name': '询比评分',
                'verbose_name_plural': '询比评分',
                'ordering': ['opening', 'quote', 'item__position', 'scorer'],
            },
        ),
        migrations.AddConstraint(
            model_name='comparisoncriteria',
            constraint=models.CheckConstraint(condition=models.Q(('price_weight__gte', 1), ('price_weight__lte', 100)), name='comparison_price_weight_range'),
        ),
        migrations.AddConstraint(
            model_name='comparisonitem',
            constraint=models.UniqueConstraint(fields=('criteria', 'position'), name='comparison_item_position_unique'),
        ),
        migrations.AddConstraint(
            model_name='comparisonitem',
            constraint=models.CheckConstraint(condition=models.Q(('weight__gte', 1), ('weight__lte', 99)), name='comparison_item_weight_range'),
        ),
        migrations.AddConstraint(
            model_name='comparisonopening',
            constraint=models.UniqueConstraint(fields=('request', 'round'), name='comparison_opening_once_per_round'),
        ),
        migrations.AddConstraint(
            model_name='comparisonpanelist',
            constraint=models.UniqueConstraint(fields=('criteria', 'user'), name='comparison_panelist_once'),
        ),
        migrations.AddConstraint(
            model_name='comparisonquote',
            constraint=models.UniqueConstraint(fields=('request', 'round', 'organisation'), name='comparison_quote_once'),
        ),
        migrations.AddConstraint(
            model_name='comparisonquote',
            constraint=models.CheckConstraint(condition=models.Q(('amount__isnull', True), ('amount__gt', 0), _connector='OR'), name='comparison_quote_amount_positive'),
        ),
        migrations.AddConstraint(
            model_name='comparisonquote',
            constraint=models.CheckConstraint(condition=models.Q(('document_size__gt', 0)), name='comparison_quote_document_not_empty'),
        ),
        migrations.AddConstraint(
            model_name='comparisonscore',
            constraint=models.UniqueConstraint(fields=('opening', 'scorer', 'quote', 'item'), name='comparison_score_once'),
        ),
        migrations.AddConstraint(
            model_name='comparisonscore',
            constraint=models.CheckConstraint(condition=models.Q(('points__gte', 0)), name='comparison_score_points_not_negative'),
        ),
    ]
