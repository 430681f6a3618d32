"""The city's rules as data: keys, defaults and the text each comes from.

The numbers are the defaults of the product brief for 《宜春市网上中介服务超市管理暂行办法》;
the bureau edits them (`core.models.Rule`, through `core.services.rule_set`) without a code
change. Code reads them only through `rule_value` / `rule_int` below, never as constants.
"""

from dataclasses import dataclass
from decimal import Decimal

MEASURES = "《宜春市网上中介服务超市管理暂行办法》"
# The anti-avoidance signals are the platform's supervision practice, not a text of the measures.
SIGNALS = "平台运行效能监察规则："


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
        # Anti-avoidance signals (规避监管的异常信号): the thresholds the city bureau tunes.
        RuleDefault("signal_window_days", "异常信号统计期（最近N日）", Decimal(365), "日",
                    f"{SIGNALS}只统计最近365日内发布、报名或竞价的项目。", Decimal(7)),
        RuleDefault("signal_min_sample", "比例类异常信号的最少项目数", Decimal(3), "个",
                    f"{SIGNALS}按比例计算的信号，统计期内项目少于3个的不计算，以免偶然。", Decimal(1)),
        RuleDefault("signal_direct_share_percent", "直接选取占比预警线", Decimal(50), "%（业主已选定项目）",
                    f"{SIGNALS}业主统计期内已选定中介机构的项目中，直接选取达到50%的列为线索。", Decimal(1)),
        RuleDefault("signal_failed_direct_percent", "流标后转直接选取占比预警线", Decimal(50), "%（业主流标项目）",
                    f"{SIGNALS}业主统计期内流标过的项目中，最终直接选取达到50%的列为线索。", Decimal(1)),
        RuleDefault("signal_repeat_wins", "同一业主与同一机构成交次数预警线", Decimal(3), "次",
                    f"{SIGNALS}统计期内同一中介机构承接同一业主的项目达到3次的列为线索。", Decimal(2)),
        RuleDefault("signal_near_ceiling_gap_percent", "成交价“贴近最高限价”的价差", Decimal(2), "%（最高限价）",
                    f"{SIGNALS}竞价或询比成交价不低于最高限价的98%（价差2%以内）视为贴近最高限价。", Decimal("0.1")),
        RuleDefault("signal_near_ceiling_share_percent", "成交价贴近最高限价的占比预警线", Decimal(80), "%（机构竞争性成交项目）",
                    f"{SIGNALS}中介机构统计期内竞价、询比成交的项目中，贴近最高限价的达到80%的列为线索。", Decimal(1)),
        RuleDefault("signal_last_minute_seconds", "竞价“最后时刻”的长度", Decimal(60), "秒",
                    f"{SIGNALS}在竞价截止前60秒内才首次出价，视为在最后时刻出价。", Decimal(5)),
        RuleDefault("signal_together_auctions", "两家机构同在最后时刻出价的场次预警线", Decimal(3), "场",
                    f"{SIGNALS}两家机构统计期内有3场竞价都只在最后时刻出价的列为线索。", Decimal(2)),
        RuleDefault("signal_together_share_percent", "两家机构同在最后时刻出价的占比预警线", Decimal(80), "%（共同出价场次）",
                    f"{SIGNALS}两家机构共同出价的竞价中，同在最后时刻出价的达到80%的列为线索。", Decimal(1)),
        RuleDefault("signal_ring_signups", "共同报名而从不相互竞价的项目数预警线", Decimal(3), "个",
                    f"{SIGNALS}两家机构统计期内共同报名3个项目，且竞价中从未同时出价（一家出价、一家陪同）的，"
                    "列为疑似围标、陪标线索。", Decimal(2)),
        RuleDefault("signal_contract_late_days", "公示结束后迟迟未上传合同的天数", Decimal(30), "日",
                    f"{SIGNALS}结果公示结束30日后才上传合同（或仍未上传）的项目列为线索。", Decimal(1)),
        RuleDefault("signal_fast_accept_minutes", "交付后过快验收的时长", Decimal(60), "分钟",
                    f"{SIGNALS}中介机构交付成果后60分钟内业主即验收的项目列为线索。", Decimal(1)),
        RuleDefault("signal_split_threshold_yuan", "拆分项目所规避的限额", Decimal(100000), "元",
                    f"{SIGNALS}同一业主将同类服务拆成若干个略低于100000元的项目的，列为化整为零线索。", Decimal(1)),
        RuleDefault("signal_split_gap_percent", "“略低于限额”的幅度", Decimal(20), "%（限额）",
                    f"{SIGNALS}最高限价在限额的80%至100%（不含）之间，视为略低于限额。", Decimal(1)),
        RuleDefault("signal_split_count", "化整为零的项目数预警线", Decimal(3), "个",
                    f"{SIGNALS}同一业主同一服务事项略低于限额的项目在拆分间隔内达到3个的列为线索。", Decimal(2)),
        RuleDefault("signal_split_days", "化整为零的发布间隔", Decimal(90), "日",
                    f"{SIGNALS}上述项目的发布时间前后相距不超过90日。", Decimal(1)),
        RuleDefault("signal_review_workdays", "异常线索核查期限", Decimal(10), "工作日",
                    f"{SIGNALS}行政审批局在发现线索后10个工作日内核查并记录核查意见。", Decimal(1)),
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
