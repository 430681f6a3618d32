"""How audit records read to people: the Chinese name of each record kind and of each
state a chain records (requests, entries, credit events, auctions). Pages show these,
never the stored keys; an unknown key reads as 记录 / the plain word 状态, not as code."""

KIND_LABELS = {
    "created": "创建", "transition": "状态变更", "signup": "报名", "attachment": "上传采购文件",
    "clarification_asked": "报名机构提问", "clarification_answered": "业主答复",
    "contract_owner": "业主上传合同", "termination_asked": "申请终止合同", "termination_refused": "不予终止合同",
    "overdue": "逾期预警", "auction_scheduled": "安排竞价", "auction_started": "竞价开始", "bid": "竞价出价",
    "auction_closed": "竞价结束", "auction_void": "竞价无效",
    "rating": "服务评价", "rating_disputed": "对评价提出异议", "rating_dispute_answered": "答复评价异议",
    "sector_rating": "行业主管部门评价",
    "entry_created": "创建入驻申请", "entry_reviewed": "入驻审核", "qualification_added": "登记资质证书",
    "qualification_removed": "删除资质证书", "staff_added": "登记执业人员",
    "credit_event": "记录信用事件", "credit_revoked": "撤销信用事件", "credit_appealed": "提出信用申诉",
    "credit_appeal_answered": "答复信用申诉", "credit_expired": "信用限制到期解除",
    "sanction_set": "修改失信惩戒标准", "rule_set": "修改规则参数", "calendar_day_set": "设置工作日",
    "calendar_day_cleared": "恢复日历库计算", "direct_pick_policy": "修改直接选取适用范围",
}

STATE_LABELS = {
    # requests
    "draft": "草稿", "published": "报名中", "selecting": "选取中", "awaiting_confirmation": "待确认结果",
    "publicity": "结果公示", "objection": "质疑处理中", "contracting": "合同签订", "in_service": "服务中",
    "delivered": "已交付", "completed": "已验收", "rated": "已评价", "cancelled": "已取消", "failed": "流标",
    "terminated": "已终止",
    # entries
    "submitted": "待审核", "returned": "已退回", "approved": "已入驻",
    # credit events
    "active": "生效中", "disputed": "申诉中", "revoked": "已撤销", "expired": "已到期",
    # auctions
    "scheduled": "未开始", "live": "竞价中", "closed": "已结束", "void": "流拍",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, "记录")


def state_label(state: str) -> str:
    if not state:
        return ""
    return STATE_LABELS.get(state, "状态变更")
