"""Credit event kinds and the default sanction of each (the sanction table's seed).

The bureau edits the sanction table (`credit.models.SanctionRule`); code reads it only
through `credit.selectors.sanction_for`, which falls back to these defaults when a row is
missing, as `core.rules.rule_value` does for rules.
"""

from dataclasses import dataclass

from core.rules import MEASURES

AUTOMATIC = ("declined", "contract_unsigned", "service_overdue", "false_materials", "rating_unsatisfied",
             "contract_breach")
BUREAU_ISSUED = ("fake_qualification", "collusion", "overcharging", "bribery", "red_list")


@dataclass(frozen=True)
class SanctionDefault:
    kind: str
    label: str
    severity: str  # good / minor / serious / grave
    sanction: str  # none / warning / suspension / removal / commendation
    months: int  # suspension length, or validity of a commendation
    ban_years: int  # ban from re-entry after a removal
    points: int  # effect on the platform credit part of the score (negative = loss)
    source: str


SANCTION_DEFAULTS: dict[str, SanctionDefault] = {
    d.kind: d
    for d in [
        SanctionDefault("declined", "中选后放弃中选资格", "serious", "suspension", 6, 0, -20,
                        f"{MEASURES}：中选机构放弃中选或拒不签约的，予以警告并暂停6个月。"),
        SanctionDefault("contract_unsigned", "逾期未签订合同", "serious", "suspension", 6, 0, -20,
                        f"{MEASURES}：中选机构放弃中选或拒不签约的，予以警告并暂停6个月。"),
        SanctionDefault("service_overdue", "服务逾期", "minor", "warning", 0, 0, -5,
                        f"{MEASURES}：中介机构未在承诺时限内完成服务的，予以警告并记入信用档案。"),
        SanctionDefault("false_materials", "质疑成立：提供虚假材料", "grave", "removal", 0, 2, -60,
                        f"{MEASURES}：提供虚假材料、串通的，予以清退，2年内不得入驻。"),
        SanctionDefault("rating_unsatisfied", "服务评价为不满意", "minor", "none", 0, 0, -3,
                        f"{MEASURES}：服务质量评价结果记入中介机构信用档案。"),
        SanctionDefault("contract_breach", "违约被终止合同", "serious", "warning", 0, 0, -10,
                        f"{MEASURES}：中介机构违反合同约定，经行政审批局认定终止合同的，予以警告并记入信用档案。"),
        SanctionDefault("fake_qualification", "资质造假", "grave", "removal", 0, 2, -60,
                        f"{MEASURES}：提供虚假材料、串通的，予以清退，2年内不得入驻。"),
        SanctionDefault("collusion", "串通", "grave", "removal", 0, 2, -60,
                        f"{MEASURES}：提供虚假材料、串通的，予以清退，2年内不得入驻。"),
        SanctionDefault("overcharging", "违规收费（收费乱）", "serious", "suspension", 6, 0, -20,
                        f"{MEASURES}：超出规定标准或约定收取费用的，予以警告并暂停参与。"),
        SanctionDefault("bribery", "行贿", "grave", "removal", 0, 2, -60,
                        f"{MEASURES}：以行贿等不正当手段承揽业务的，予以清退。"),
        SanctionDefault("red_list", "守信激励（红名单）", "good", "commendation", 12, 0, 10,
                        f"{MEASURES}：服务优质、守信践诺的中介机构列入红名单，予以守信激励。"),
    ]
}
