"""Audit records as rows people read: Chinese labels registered by each app, Beijing time,
actor names, state changes and documents — and no page shows an internal code."""

import ast
import html
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.services import document_store
from audit import timeline
from audit.models import AuditRecord
from audit.services import record_append
from audit.timeline import timeline_rows
from credit.services import credit_appeal_file, credit_chain, credit_event_issue
from market.lifecycle import request_chain
from market.models import QualificationType
from market.services import (
    entry_review,
    entry_save,
    entry_submit,
    qualification_add,
    staff_add,
)
from tests.credit.helpers import evidence_for
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    bureau_user,
    firm_user,
    make_uscc,
    owner_user,
)
from tests.market.test_after_selection import in_service

pytestmark = pytest.mark.django_db
APPS = ("accounts", "market", "bidding", "credit", "ratings", "supervision", "docking", "portal")


def _kinds_written_in_code() -> set[str]:
    """Every constant `kind=` passed to `record_append`, or to a function of the same
    module that hands its own `kind` on to `record_append` (e.g. credit's `_set_status`)."""
    kinds: set[str] = set()
    for app in APPS:
        for path in Path(settings.BASE_DIR, app).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            wrappers = {"record_append"}
            for fn in ast.walk(tree):
                if isinstance(fn, ast.FunctionDef):
                    for call in ast.walk(fn):
                        if (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "record_append"
                                and any(k.arg == "kind" and isinstance(k.value, ast.Name) for k in call.keywords)):
                            wrappers.add(fn.name)
            for call in ast.walk(tree):
                if isinstance(call, ast.Call) and getattr(call.func, "id", "") in wrappers:
                    kinds |= {k.value.value for k in call.keywords
                              if k.arg == "kind" and isinstance(k.value, ast.Constant)}
    return kinds


def test_every_kind_written_in_the_code_has_a_chinese_label():
    kinds = _kinds_written_in_code()
    assert {"entry_created", "qualification_added", "credit_appealed", "bid", "rating", "transition"} <= kinds
    registered = {kind for entry in timeline._CHAINS.values() for kind in entry.kinds}
    assert kinds - registered == set()


def test_rows_name_the_actor_in_beijing_time_with_chinese_labels(monkeypatch):
    user = owner_user(display_name="王芳")
    at = datetime(2026, 12, 3, 6, 30, tzinfo=ZoneInfo("UTC"))  # 14:30 in Beijing
    monkeypatch.setattr(timezone, "now", lambda: at)
    record_append(chain="request:YC1", kind="created", actor=user, to_state="draft")
    record_append(chain="request:YC1", kind="transition", from_state="draft", to_state="published",
                  data={"transition": "publish", "round": 1})
    record_append(chain="request:YC1", kind="something_new")
    created, published, unknown = timeline_rows(chain="request:YC1")
    assert created.when == "2026年12月3日 14:30"
    assert created.actor == f"王芳（{user.organisation.name}）" and created.action == "创建采购需求"
    assert created.change == "— → 草稿"
    assert (published.actor, published.action, published.change) == ("系统自动", "发布采购公告", "草稿 → 报名中")
    assert published.detail == "第 1 轮"
    assert unknown.action == "其他记录"


def test_documents_in_the_data_are_named_and_linked(owner):
    stored = document_store(upload=SimpleUploadedFile("合同.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
                            organisation=owner.organisation, user=owner)
    record_append(chain="request:YC2", kind="contract_owner", actor=owner,
                  data={"amount": "90000.00", "document_sha256": stored.sha256})
    [row] = timeline_rows(chain="request:YC2")
    assert row.detail == "合同金额 90,000.00 元"
    assert [(d.name, d.sha256, d.url) for d in row.documents] == [
        ("合同.pdf", stored.sha256, reverse("market:document_download", args=[stored.pk]))]


# ---------------------------------------------------------------------------------------
# Pages


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def assert_no_codes(page: str, chain: str) -> str:
    """No kind, state or transition code of `chain`'s records shows on the page."""
    text = visible_text(page)
    codes = set()
    for rec in AuditRecord.objects.filter(chain=chain):
        codes |= {rec.kind, rec.from_state, rec.to_state, str(rec.data.get("transition", ""))}
    shown = sorted(c for c in codes - {""} if re.search(rf"(?<![A-Za-z_]){re.escape(c)}(?![A-Za-z_])", text))
    assert shown == []
    assert " → " in text or "→" in text
    return text


def test_the_request_page_timeline_reads_in_chinese(client, owner):
    req = in_service(owner)
    client.force_login(owner)
    page = client.get(reverse("market:request_detail", args=[req.code])).content.decode()
    text = assert_no_codes(page, request_chain(req))
    for words in ("创建采购需求", "发布采购公告", "中介机构报名", "产生选取结果", "业主确认选取结果", "公示期满",
                  "业主上传合同", "中介机构上传盖章合同，开始服务", "报名中 → 选取中", "合同签订 → 服务中",
                  "合同金额 90,000.00 元", "contract.pdf"):
        assert words in text, words
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", text)


def test_the_entry_review_page_timeline_reads_in_chinese(client):
    org = OrganisationFactory(kind="intermediary", name="新注册")
    user = UserFactory(organisation=org, display_name="陈敏")
    licence = document_store(upload=SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4 l", content_type="application/pdf"),
                             organisation=org, user=user)
    entry = entry_save(user=user, name="江西赣环环境科技有限公司", uscc=make_uscc(), legal_rep="刘建国",
                       contact_name="陈敏", phone="0795-3456789", email="c@example.com", address="宜春市袁州区",
                       business_scope="环境影响评价", region_code="360900", licence=licence)
    qtype = QualificationType.objects.exclude(grades=[]).order_by("code").first()
    qualification_add(user=user, qualification_type_id=qtype.pk, grade=qtype.grades[-1], cert_no="ZZ-2025-0001",
                      valid_until=timezone.localdate() + timedelta(days=400))
    staff_add(user=user, name="赵六", title="注册环评工程师", cert_no="HP-001")
    entry_submit(user=user, commitment_accepted=True)
    officer = bureau_user()
    entry_review(user=officer, entry_id=entry.pk, approve=True)
    client.force_login(officer)
    page = client.get(reverse("market:bureau_entry", args=[entry.pk])).content.decode()
    text = assert_no_codes(page, f"entry:{org.pk}")
    for words in ("创建入驻申请", "添加资质证书", "证书编号 ZZ-2025-0001", "添加执业人员", "赵六（注册环评工程师）",
                  "提交入驻申请", "填写中 → 待审核", "审核通过", "待审核 → 已入驻", "陈敏（江西赣环环境科技有限公司）"):
        assert words in text, words
    assert "entry_created" not in page and "qualification_added" not in page


def test_the_credit_event_page_timeline_reads_in_chinese(client):
    officer = bureau_user(region_code="360921")
    firm = firm_user()
    event = credit_event_issue(user=officer, organisation_id=firm.organisation_id, kind="overcharging",
                               description="超标准收费", evidence=evidence_for(officer, "处罚决定书.pdf"))
    credit_appeal_file(user=firm, event_id=event.pk, reason="收费符合合同约定")
    client.force_login(officer)
    page = client.get(reverse("credit:bureau_event", args=[event.pk])).content.decode()
    text = assert_no_codes(page, credit_chain(firm.organisation_id))
    for words in ("记录信用事件", "违规收费（收费乱）", "机构提出申诉", "生效中 → 申诉中", "收费符合合同约定",
                  "处罚决定书.pdf"):
        assert words in text, words
    assert "credit_appealed" not in page and "active → disputed" not in text


def test_formatting_helpers():
    assert timeline.format_date(date(2026, 1, 5)) == "2026年1月5日"
    assert timeline.format_date("2026-12-03") == "2026年12月3日"
    assert timeline.format_amount("80000") == "80,000.00 元"
    assert timeline.format_actor("system") == "系统自动"
    assert timeline.format_actor("a@b.com@宜春市交通运输局") == "a@b.com（宜春市交通运输局）"

