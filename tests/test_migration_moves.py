"""The restructure's migrations keep every table and row.

Models moved between apps (Rule, CalendarDay, Heartbeat → core; Document → accounts;
Invitation, SignUp → market) and the written answers took shared field names: all of it
is state-only or additive. These tests migrate a database back to the schema of the last
release before the restructure, fill it with rows through the historical models, migrate
forward again and find every row, and read the SQL of every new migration for anything
destructive. They run on whichever database the suite runs on (PostgreSQL, MariaDB, SQLite).
"""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# The schema of the release before the restructure (main at 8911c7f).
BEFORE = [("accounts", "0002_seed_regions"), ("audit", "0001_initial"), ("market", "0004_lifecycle"),
          ("bidding", "0003_auction"), ("credit", "0005_contract_breach_kind"), ("ratings", "0001_initial")]

# Every migration the restructure added.
NEW = [("core", "0001_initial"), ("core", "0002_remove_dead_rules"), ("accounts", "0003_document_from_market"),
       ("market", "0005_move_models"), ("market", "0006_written_answers_lifecycle"),
       ("bidding", "0004_signups_to_market"), ("credit", "0006_evidence_document_in_accounts"),
       ("credit", "0007_score_rating_inputs"), ("credit", "0008_written_answer_and_event_states"),
       ("ratings", "0002_score_inputs_backfill"), ("ratings", "0003_written_answer")]

DESTRUCTIVE = ("DROP TABLE", "DROP COLUMN", "DELETE FROM", "TRUNCATE", "RENAME TO")


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "name"), NEW)
def test_new_migrations_send_nothing_destructive(app, name):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite adds a check constraint by copying the table (rows kept); see the row test")
    out = io.StringIO()
    call_command("sqlmigrate", app, name, stdout=out)
    sql = out.getvalue().upper()
    assert not [word for word in DESTRUCTIVE if word in sql], sql


def _fill(apps):
    """Rows in every table the restructure touches, through the old schema's models."""
    now = timezone.now()
    Region = apps.get_model("accounts", "Region")
    Organisation = apps.get_model("accounts", "Organisation")
    User = apps.get_model("accounts", "User")
    region = Region.objects.get(pk="360982")
    owner = Organisation.objects.create(kind="owner", name="旧单位", region=region)
    firm = Organisation.objects.create(kind="intermediary", name="旧机构", uscc="91360982MA35XXXX0X", region=region)
    user = User.objects.create(username="old-owner", organisation=owner)
    firm_user = User.objects.create(username="old-firm", organisation=firm)
    Document = apps.get_model("market", "Document")
    doc = Document.objects.create(file="documents/old.pdf", original_name="旧合同.pdf", size=10, sha256="ab" * 32,
                                  organisation=owner, uploaded_by=user)
    apps.get_model("market", "Rule").objects.update_or_create(
        key="confirm_workdays", defaults={"label": "业主确认选取结果期限", "value": 4, "unit": "工作日", "source": "x"})
    apps.get_model("market", "CalendarDay").objects.create(date=now.date() + timedelta(days=400), is_workday=False)
    apps.get_model("market", "Heartbeat").objects.create(name="sweep", at=now)
    item = apps.get_model("market", "ServiceItem").objects.first()
    req = apps.get_model("market", "ServiceRequest").objects.create(
        code="YC20260101-OLD01", owner=owner, created_by=user, service_item=item, region=region, title="旧项目",
        scope="范围", funding="fiscal", ceiling=100000, method="draw", service_days=30, contact_name="张",
        contact_phone="0795-1234567", status="contracting", selected_firm=firm)
    apps.get_model("bidding", "SignUp").objects.create(request=req, organisation=firm, user=firm_user)
    apps.get_model("bidding", "Invitation").objects.create(request=req, organisation=firm)
    apps.get_model("market", "Objection").objects.create(
        request=req, objector=firm, against=firm, user=firm_user, reason="理由", attachment=doc, lodged_at=now,
        answer_due=now, status="dismissed", answer="不成立")
    apps.get_model("market", "TerminationRequest").objects.create(
        request=req, user=user, reason="违约", evidence=doc, asked_at=now, status="granted", answer="同意",
        decided_by=user, decided_at=now)
    event = apps.get_model("credit", "CreditEvent").objects.create(
        organisation=firm, kind="资质造假", kind_code="fake_qualification", sanction="removal", points=-60,
        rule_source="x", region=region, starts_at=now, evidence=doc, status="disputed")
    apps.get_model("credit", "CreditAppeal").objects.create(event=event, reason="申诉", filed_by=firm_user,
                                                            filed_at=now, answer_due=now, decision="pending")
    apps.get_model("credit", "CreditScore").objects.create(
        organisation=firm, score=80, stars=4, owner_part=80, sector_part=80, credit_part=30, computed_at=now)
    rating = apps.get_model("ratings", "Rating").objects.create(
        request=req, side="owner", rater=owner, rated=firm, by=user, overall="basic", quality=4, timeliness=4,
        attitude=4, fees=4, conduct=5, comment="尚可", status="voided", created_at=now)
    apps.get_model("ratings", "RatingDispute").objects.create(rating=rating, reason="异议", filed_by=firm_user,
                                                              filed_at=now, answer_due=now, decision="voided",
                                                              answer="作废")


@pytest.mark.django_db(transaction=True)
def test_migrating_from_the_schema_before_the_restructure_keeps_every_row():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    _fill(executor.loader.project_state(BEFORE).apps)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from accounts.models import Document
    from core.models import CalendarDay, Heartbeat, Rule
    from credit.models import CreditAppeal, CreditEvent, CreditScore
    from market.models import (
        Invitation,
        Objection,
        ServiceRequest,
        SignUp,
        TerminationRequest,
    )
    from ratings.models import RatingDispute

    req = ServiceRequest.objects.get(code="YC20260101-OLD01")
    assert (req.status, req.method, req.selected_firm.name) == ("contracting", "draw", "旧机构")
    doc = Document.objects.get(original_name="旧合同.pdf")
    assert doc.sha256 == "ab" * 32 and doc.organisation.name == "旧单位"
    assert Rule.objects.get(key="confirm_workdays").value == 4
    assert CalendarDay.objects.filter(is_workday=False).exists() and Heartbeat.objects.filter(name="sweep").exists()
    assert SignUp.objects.get(request=req).organisation.name == "旧机构"
    assert Invitation.objects.filter(request=req).count() == 1
    objection = Objection.objects.get(request=req)
    assert (objection.status, objection.filed_by.username, objection.attachment_id) == ("rejected", "old-firm", doc.pk)
    assert objection.verdict == "质疑不成立"
    ask = TerminationRequest.objects.get(request=req)
    assert (ask.status, ask.answered_by.username, ask.filed_by.username, ask.answer_due) == (
        "upheld", "old-owner", "old-owner", None)
    event = CreditEvent.objects.get(kind_code="fake_qualification")
    assert (event.status, event.evidence_id) == ("disputed", doc.pk)
    assert CreditAppeal.objects.get(event=event).status == "pending"
    dispute = RatingDispute.objects.get(rating__request=req)
    assert (dispute.status, dispute.verdict) == ("upheld", "作废评价")
    score = CreditScore.objects.get(organisation__name="旧机构")
    assert score.voided_count == 1 and score.owner_mean is None  # the only owner rating is voided
