"""Seed the rules of the anti-avoidance signals as literal data (stored rows, so the bureau
sees and edits them on the rules page with the others)."""

from decimal import Decimal

from django.db import migrations

SIGNAL_RULES = [
    ('signal_window_days', '异常信号统计期（最近N日）', Decimal('365'), '日', Decimal('7'),
     '平台运行效能监察规则：只统计最近365日内发布、报名或竞价的项目。'),
    ('signal_min_sample', '比例类异常信号的最少项目数', Decimal('3'), '个', Decimal('1'),
     '平台运行效能监察规则：按比例计算的信号，统计期内项目少于3个的不计算，以免偶然。'),
    ('signal_direct_share_percent', '直接选取占比预警线', Decimal('50'), '%（业主已选定项目）', Decimal('1'),
     '平台运行效能监察规则：业主统计期内已选定中介机构的项目中，直接选取达到50%的列为线索。'),
    ('signal_failed_direct_percent', '流标后转直接选取占比预警线', Decimal('50'), '%（业主流标项目）', Decimal('1'),
     '平台运行效能监察规则：业主统计期内流标过的项目中，最终直接选取达到50%的列为线索。'),
    ('signal_repeat_wins', '同一业主与同一机构成交次数预警线', Decimal('3'), '次', Decimal('2'),
     '平台运行效能监察规则：统计期内同一中介机构承接同一业主的项目达到3次的列为线索。'),
    ('signal_near_ceiling_gap_percent', '成交价“贴近最高限价”的价差', Decimal('2'), '%（最高限价）', Decimal('0.1'),
     '平台运行效能监察规则：竞价或询比成交价不低于最高限价的98%（价差2%以内）视为贴近最高限价。'),
    ('signal_near_ceiling_share_percent', '成交价贴近最高限价的占比预警线', Decimal('80'), '%（机构竞争性成交项目）', Decimal('1'),
     '平台运行效能监察规则：中介机构统计期内竞价、询比成交的项目中，贴近最高限价的达到80%的列为线索。'),
    ('signal_last_minute_seconds', '竞价“最后时刻”的长度', Decimal('60'), '秒', Decimal('5'),
     '平台运行效能监察规则：在竞价截止前60秒内才首次出价，视为在最后时刻出价。'),
    ('signal_together_auctions', '两家机构同在最后时刻出价的场次预警线', Decimal('3'), '场', Decimal('2'),
     '平台运行效能监察规则：两家机构统计期内有3场竞价都只在最后时刻出价的列为线索。'),
    ('signal_together_share_percent', '两家机构同在最后时刻出价的占比预警线', Decimal('80'), '%（共同出价场次）', Decimal('1'),
     '平台运行效能监察规则：两家机构共同出价的竞价中，同在最后时刻出价的达到80%的列为线索。'),
    ('signal_ring_signups', '共同报名而从不相互竞价的项目数预警线', Decimal('3'), '个', Decimal('2'),
     '平台运行效能监察规则：两家机构统计期内共同报名3个项目，且竞价中从未同时出价（一家出价、一家陪同）的，列为疑似围标、陪标线索。'),
    ('signal_contract_late_days', '公示结束后迟迟未上传合同的天数', Decimal('30'), '日', Decimal('1'),
     '平台运行效能监察规则：结果公示结束30日后才上传合同（或仍未上传）的项目列为线索。'),
    ('signal_fast_accept_minutes', '交付后过快验收的时长', Decimal('60'), '分钟', Decimal('1'),
     '平台运行效能监察规则：中介机构交付成果后60分钟内业主即验收的项目列为线索。'),
    ('signal_split_threshold_yuan', '拆分项目所规避的限额', Decimal('100000'), '元', Decimal('1'),
     '平台运行效能监察规则：同一业主将同类服务拆成若干个略低于100000元的项目的，列为化整为零线索。'),
    ('signal_split_gap_percent', '“略低于限额”的幅度', Decimal('20'), '%（限额）', Decimal('1'),
     '平台运行效能监察规则：最高限价在限额的80%至100%（不含）之间，视为略低于限额。'),
    ('signal_split_count', '化整为零的项目数预警线', Decimal('3'), '个', Decimal('2'),
     '平台运行效能监察规则：同一业主同一服务事项略低于限额的项目在拆分间隔内达到3个的列为线索。'),
    ('signal_split_days', '化整为零的发布间隔', Decimal('90'), '日', Decimal('1'),
     '平台运行效能监察规则：上述项目的发布时间前后相距不超过90日。'),
    ('signal_review_workdays', '异常线索核查期限', Decimal('10'), '工作日', Decimal('1'),
     '平台运行效能监察规则：行政审批局在发现线索后10个工作日内核查并记录核查意见。'),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("core", "Rule")
    for key, label, value, unit, min_value, source in SIGNAL_RULES:
        Rule.objects.get_or_create(key=key, defaults={
            "label": label, "value": value, "unit": unit, "min_value": min_value, "source": source})


def unseed(apps, schema_editor):
    apps.get_model("core", "Rule").objects.filter(key__in=[row[0] for row in SIGNAL_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_signals"), ("core", "0002_remove_dead_rules")]
    operations = [migrations.RunPython(seed, unseed)]
