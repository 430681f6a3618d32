"""The demo is one consistent history made through the services, at office hours (one
load for every check: the demo takes a while to make)."""

import io
from datetime import time

import pytest
from django.core.management import call_command
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_the_demo_is_one_consistent_history(client):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    demo = out.getvalue()
    every_state_has_a_request_with_its_owner_printed(demo)
    requests_were_published_on_working_days_in_office_hours_with_consistent_deadlines()
    the_readme_firm_is_free_and_no_outside_firm_is_shown_in_yichun(client)
    scope_texts_read_cleanly()


def every_state_has_a_request_with_its_owner_printed(demo):
    from market.models import ServiceRequest

    states = set(ServiceRequest.objects.values_list("status", flat=True))
    assert set(ServiceRequest.Status.values) <= states
    for req in ServiceRequest.objects.select_related("owner"):
        assert req.code in demo and req.owner.name in demo


def requests_were_published_on_working_days_in_office_hours_with_consistent_deadlines():
    from audit.models import AuditRecord
    from core.calendar import workday_is
    from market.lifecycle import request_chain
    from market.models import ServiceRequest, SignUp

    now = timezone.now()
    for req in ServiceRequest.objects.exclude(status="draft"):
        published = timezone.localtime(req.published_at)
        assert workday_is(published.date()) and time(9) <= published.time() <= time(17), (req.title, published)
        assert req.published_at < req.signup_deadline < req.selection_at, req.title
        for record in AuditRecord.objects.filter(chain=request_chain(req)):
            assert record.at <= now, (req.title, record.kind)
        for signup in SignUp.objects.filter(request=req, round=req.publish_count):
            assert req.published_at <= signup.created_at <= req.signup_deadline, req.title
        if req.status in ("published",):
            assert req.signup_deadline > now, req.title
        if req.status in ("rated", "completed", "in_service", "contracting"):
            assert SignUp.objects.filter(request=req).count() >= 3 or req.direct_pick, req.title
            assert req.signup_deadline < now, req.title


def the_readme_firm_is_free_and_no_outside_firm_is_shown_in_yichun(client):
    from accounts.models import User
    from credit.selectors import credit_restriction

    ganzi = User.objects.get(username="ganzi").organisation
    assert credit_restriction(organisation_id=ganzi.pk) is None
    html = client.get("/registry/").content.decode()
    beijing = User.objects.get(username="zhongping").organisation
    row = html[html.index(f'id="firm-{beijing.pk}"'):]
    assert "北京市" in row[:row.index("</tr>")] and "宜春市" not in row[:row.index("</tr>")]


def scope_texts_read_cleanly():
    from market.models import ServiceRequest

    for req in ServiceRequest.objects.all():
        assert "《《" not in req.scope and req.scope.count("《") == req.scope.count("》"), req.scope
