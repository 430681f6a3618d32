"""Seed the qualification types, the catalogue of intermediary services and the rules."""

from decimal import Decimal

from django.db import migrations

# The rules' defaults as literal data, frozen here so that this migration never depends on
# code that later moved or changed: key, label, value, unit, minimum, source.
RULES_AT_0002 = [
    ('signup_window_workdays', '报名期（发布后）', '3', '工作日', '1',
     '《宜春市网上中介服务超市管理暂行办法》：采购公告发布后报名时间不少于3个工作日（最少1个工作日）。'),
    ('min_registrants', '随机选取或竞价的最少有效报名数', '3', '家', '1',
     '《宜春市网上中介服务超市管理暂行办法》：有效报名不足3家的，本次采购失败（流标），可重新发布。'),
    ('direct_pick_after_failures', '允许在报名者中直接选取的流标次数', '2', '次', '1',
     '《宜春市网上中介服务超市管理暂行办法》：第二次流标后，业主可在报名机构中直接选取。'),
    ('confirm_workdays', '业主确认选取结果期限', '3', '工作日', '1',
     '《宜春市网上中介服务超市管理暂行办法》：业主应在3个工作日内确认选取结果。'),
    ('publicity_workdays', '结果公示期', '3', '工作日', '1',
     '《宜春市网上中介服务超市管理暂行办法》：选取结果公示3个工作日，质疑应在公示期内提出。'),
    ('objection_answer_workdays', '质疑答复期限', '5', '工作日', '1',
     '《宜春市网上中介服务超市管理暂行办法》：行政审批局在5个工作日内答复质疑。'),
    ('contract_days', '公示结束后上传合同期限', '10', '日', '1',
     '《宜春市网上中介服务超市管理暂行办法》：公示期满后10日内签订并上传合同。'),
    ('rating_days', '服务交付后评价期限', '15', '日', '1',
     '《宜春市网上中介服务超市管理暂行办法》：服务完成后15日内评价，逾期默认为满意。'),
    ('decline_suspension_months', '中选后放弃或不签约的暂停期', '6', '月', '0',
     '《宜春市网上中介服务超市管理暂行办法》：中选机构放弃中选或拒不签约的，予以警告并暂停6个月。'),
    ('fraud_ban_years', '弄虚作假、串通的清退禁入期', '2', '年', '0',
     '《宜春市网上中介服务超市管理暂行办法》：提供虚假材料、串通的，予以清退，2年内不得入驻。'),
    ('auction_default_minutes', '竞价默认时长', '10', '分钟', '1',
     '《宜春市网上中介服务超市管理暂行办法》：网上竞价时长由业主设定，默认10分钟。'),
    ('auction_extension_seconds', '竞价延时（最后N秒内出价）', '60', '秒', '1',
     '《宜春市网上中介服务超市管理暂行办法》：最后60秒内有出价的，截止时间延至该出价后60秒。'),
    ('auction_default_step_percent', '默认最小降价幅度', '0.5', '%（最高限价）', '0.01',
     '《宜春市网上中介服务超市管理暂行办法》：最小降价幅度默认为最高限价的0.5%。'),
    ('abnormally_low_percent', '异常低价线', '60', '%（最高限价）', '1',
     '《宜春市网上中介服务超市管理暂行办法》：低于最高限价60%的报价视为异常低价，除业主允许外不予接受。'),
    ('rating_dispute_workdays', '对评价提出异议的期限', '10', '工作日', '1',
     '《宜春市网上中介服务超市管理暂行办法》：被评价方对评价有异议的，可在10个工作日内提出一次。'),
    ('rating_dispute_answer_workdays', '评价异议答复期限', '5', '工作日', '1',
     '《宜春市网上中介服务超市管理暂行办法》：行政审批局在5个工作日内书面答复评价异议。'),
    ('credit_appeal_answer_workdays', '信用申诉答复期限', '10', '工作日', '1',
     '《宜春市网上中介服务超市管理暂行办法》：中介机构对信用记录有异议的，可申诉一次，行政审批局在10个工作日内答复。'),
    ('score_weight_owner', '信用分权重：业主评价', '5', '份', '0',
     '《宜春市网上中介服务超市管理暂行办法》：信用评分由业主评价、行业主管部门评价和平台信用记录按5:3:2加权。'),
    ('score_weight_sector', '信用分权重：行业主管部门评价', '3', '份', '0',
     '《宜春市网上中介服务超市管理暂行办法》：信用评分由业主评价、行业主管部门评价和平台信用记录按5:3:2加权。'),
    ('score_weight_credit', '信用分权重：平台信用记录', '2', '份', '0',
     '《宜春市网上中介服务超市管理暂行办法》：信用评分由业主评价、行业主管部门评价和平台信用记录按5:3:2加权。'),
    ('auction_max_bids_per_second', '每家竞价人每秒最多出价次数', '2', '次/秒', '1',
     '平台运行规则：为保证竞价公平与系统稳定，每家竞价人每秒最多出价2次。'),
    ('upload_max_mb', '上传文件大小上限', '20', 'MB', '1',
     '平台运行规则：单个上传文件不超过20MB。'),
]


def seed(apps, schema_editor):
    seed_catalogue(apps, schema_editor)
    Rule = apps.get_model("market", "Rule")
    for key, label, value, unit, min_value, source in RULES_AT_0002:
        Rule.objects.get_or_create(
            key=key,
            defaults={"label": label, "value": Decimal(value), "unit": unit, "source": source,
                      "min_value": None if min_value is None else Decimal(min_value)},
        )


def seed_catalogue(apps, schema_editor):
    """The qualification types and the catalogue (also used by the tests after a flush)."""
    from market.seed_data import CATALOGUE, QUALIFICATION_TYPES

    QualificationType = apps.get_model("market", "QualificationType")
    ServiceItem = apps.get_model("market", "ServiceItem")
    types = {}
    for row in QUALIFICATION_TYPES:
        qtype, _ = QualificationType.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "issuer": row.get("issuer", ""), "grades": row.get("grades", []),
                      "note": row.get("note", "")},
        )
        types[qtype.code] = qtype
    for row in CATALOGUE:
        ServiceItem.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"], "approval": row["approval"], "legal_basis": row["legal_basis"],
                "qualification_type": types.get(row.get("qualification_code") or ""),
                "min_grade": row.get("min_grade", ""), "result_document": row["result_document"],
                "fee_basis": row["fee_basis"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("market", "0001_initial"), ("accounts", "0002_seed_regions")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
