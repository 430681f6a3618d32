"""How the anti-avoidance cases' records read (registered with `audit.timeline` from
`SupervisionConfig.ready()`): each case's chain `signal:<id>`."""

from audit.timeline import timeline_register


def _facts(rec) -> str:
    from supervision.models import SignalCase

    data = rec.data or {}
    kind = dict(SignalCase.Kind.choices).get(data.get("signal"), "")
    parts = [str(kind)] if kind else []
    if data.get("facts") is not None:
        parts.append(f"涉及{len(data['facts'])}项事实")
    if data.get("new_facts"):
        parts.append(f"新增{len(data['new_facts'])}项")
    return "；".join(parts)


def register() -> None:
    from supervision.models import SignalCase

    kinds = ("signal_case_opened", "signal_case_reopened", "signal_case_cleared", "signal_case_reviewed")
    timeline_register(
        prefix="signal",
        title="异常线索",
        kinds={
            "signal_case_opened": "发现异常线索",
            "signal_case_reopened": "出现新情况，线索重新待核查",
            "signal_case_cleared": "不再达到预警线，线索消除",
            "signal_case_reviewed": "行政审批局核查线索",
        },
        states=dict(SignalCase.Status.choices),
        details={kind: _facts for kind in kinds},
    )
