"""The city's rules as data: keys, defaults and the text each comes from.

The numbers are the defaults of the product brief for 《宜春市网上中介服务超市管理暂行办法》;
the bureau edits them (`core.models.Rule`, through `core.services.rule_set`) without a code
change. Code reads them only through `rule_value` / `rule_int` below, never as constants.
"""

from dataclasses import dataclass
from decimal import Decimal

MEASURES = "《宜春市网上中介服务超市管理暂行办法》"


@dataclass(frozen=True)
class RuleDefault:
    key: str
    label: str
    value: Decimal
    unit: str
    source: str
    min_value: Decimal | None = None


RULES: dict[str, RuleDefault] = {
    r.key: r
    for r in [
        RuleDefault("signup_window_workdays", "报名期（发布后）", Decimal(3), "工作日",
                    f"{MEASURES}：采购公告发布后报名时间不少于3个工作日（最少1个工作日）。", Decimal(1)),
        RuleDefault("min_registrants", "随机选取或竞价的最少有效报名数", Decimal(3), "家",
                    f"{MEASURES}：有效报名不足3家的，本次采购失败（流标），可重新发布。", Decimal(1)),
        RuleDefault("direct_pick_after_failures", "允许在报名者中直接选取的流标次数", Decimal(2), "次",
                    f"{MEASURES}：第二次流标后，业主可在报名机构中直接选取。", Decimal(1)),
        RuleDefault("confirm_workdays", "业主确认选取结果期限", Decimal(3), "工作日",
                    f"{MEASURES}：业主应在3个工作日内确认选取结果。", Decimal(1)),
        RuleDefault("publicity_workdays", "结果公示期", Decimal(3), "工作日",
                    f"{MEASURES}：选取结果公示3个工作日，质疑应在公示期内提出。", Decimal(1)),
        RuleDefault("objection_answer_workdays", "质疑答复期限", Decimal(5), "工作日",
                    f"{MEASURES}：行政审批局在5个工作日内答复质疑。", Decimal(1)),
        RuleDefault("contract_days", "公示结束后上传合同期限", Decimal(10), "日",
                    f"{MEASURES}：公示期满后10日内签订并上传合同。", Decimal(1)),
        RuleDefault("rating_days", "服务交付后评价期限", Decimal(15), "日",
                    f"{MEASURES}：服务完成后15日内评价，逾期默认为满意。", Decimal(1)),
        RuleDefault("auction_default_minutes", "竞价默认时长", Decimal(10), "分钟",
                    f"{MEASURES}：网上竞价时长由业主设定，默认10分钟。", Decimal(1)),
        RuleDefault("auction_extension_seconds", "竞价延时（最后N秒内出价）", Decimal(60), "秒",
                    f"{MEASURES}：最后60秒内有出价的，截止时间延至该出价后60秒。", Decimal(1)),
        RuleDefault("auction_default_step_percent", "默认最小降价幅度", Decimal("0.5"), "%（最高限价）",
                    f"{MEASURES}：最小降价幅度默认为最高限价的0.5%。", Decimal("0.01")),
        RuleDefault("abnormally_low_percent", "异常低价线", Decimal(60), "%（最高限价）",
                    f"{MEASURES}：低于最高限价60%的报价视为异常低价，除业主允许外不予接受。", Decimal(1)),
        RuleDefault("rating_dispute_workdays", "对评价提出异议的期限", Decimal(10), "工作日",
                    f"{MEASURES}：被评价方对评价有异议的，可在10个工作日内提出一次。", Decimal(1)),
        RuleDefault("rating_dispute_answer_workdays", "评价异议答复期限", Decimal(5), "工作日",
                    f"{MEASURES}：行政审批局在5个工作日内书面答复评价异议。", Decimal(1)),
        RuleDefault("credit_appeal_answer_workdays", "信用申诉答复期限", Decimal(10), "工作日",
                    f"{MEASURES}：中介机构对信用记录有异议的，可申诉一次，行政审批局在10个工作日内答复。", Decimal(1)),
        RuleDefault("entry_review_workdays", "入驻申请审核期限", Decimal(5), "工作日",
                    "平台运行规则：中介机构提交入驻申请后，行政审批局应在5个工作日内审核通过或说明理由退回。",
                    Decimal(1)),
        RuleDefault("score_weight_owner", "信用分权重：业主评价", Decimal(5), "份",
                    f"{MEASURES}：信用评分由业主评价、行业主管部门评价和平台信用记录按5:3:2加权。", Decimal(0)),
        RuleDefault("score_weight_sector", "信用分权重：行业主管部门评价", Decimal(3), "份",
                    f"{MEASURES}：信用评分由业主评价、行业主管部门评价和平台信用记录按5:3:2加权。", Decimal(0)),
        RuleDefault("score_weight_credit", "信用分权重：平台信用记录", Decimal(2), "份",
                    f"{MEASURES}：信用评分由业主评价、行业主管部门评价和平台信用记录按5:3:2加权。", Decimal(0)),
        RuleDefault("auction_max_bids_per_second", "每家竞价人每秒最多出价次数", Decimal(2), "次/秒",
                    "平台运行规则：为保证竞价公平与系统稳定，每家竞价人每秒最多出价2次。", Decimal(1)),
        RuleDefault("comparison_scoring_workdays", "询比选取评审打分期限（开标后）", Decimal(3), "工作日",
                    "平台运行规则：询比选取开标后，项目业主（或其指定的评审小组）应在3个工作日内对各评审因素逐项打分并"
                    "说明理由；逾期未完成评审的，本次采购失败（流标）。", Decimal(1)),
        RuleDefault("upload_max_mb", "上传文件大小上限", Decimal(20), "MB",
                    "平台运行规则：单个上传文件不超过20MB。", Decimal(1)),
    ]
}


def rule_value(key: str) -> Decimal:
    """The value in force of the rule `key`: the bureau's setting, else the default.

    Raises KeyError for a key that is not a known rule, so a typo fails loudly.
    """
    from core.models import Rule

    default = RULES[key]
    stored = Rule.objects.filter(key=key).values_list("value", flat=True).first()
    return default.value if stored is None else stored


def rule_int(key: str) -> int:
    """`rule_value` of a rule counted in whole units (days, firms, months …)."""
    return int(rule_value(key))


def rule_text(key: str) -> str:
    """The value in force with its unit, for text shown to people: "10个工作日", "60秒",
    "0.5%" (a percentage drops what it is a percentage of)."""
    value = rule_value(key)
    number = str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    unit = RULES[key].unit
    return f"{number}%" if unit.startswith("%") else f"{number}{unit}"
