"""Before the opening nothing of a sealed quote is readable, by any path: the pages (request,
comparison record, quote form, score sheet, to-do, inbox, the firm's lists), the response
document by any id (the comparison download and the platform's document download), the
admin (every changelist, the quotes' and the audit records' change views), the API (OCDS
release, draws), and a plain read of the rows and files. After the opening the same
comparison page shows every amount (the check can fail)."""

import json

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import NoReverseMatch, reverse

from accounts.models import Document
from audit.models import AuditRecord
from bidding.models import ComparisonQuote
from tests.bidding.comparison_support import close_signup, open_now, quoted_request
from tests.docking.support import ALL_FIRM, ALL_OWNER, ApiClient, key_for
from tests.factories import UserFactory, bureau_user, firm_user

pytestmark = pytest.mark.django_db

AMOUNTS = ["87654.32", "76543.21", "98765.43"]
SECRETS = ["87654.32", "87,654.32", "76543.21", "76,543.21", "98765.43", "98,765.43", "SECRET-PROPOSAL"]


def _sealed_request(owner):
    req, firms = quoted_request(owner, [None, None, None])
    from bidding.services_comparison import comparison_quote_submit
    from tests.bidding.comparison_support import pdf

    for user, amount in zip(firms, AMOUNTS, strict=True):
        comparison_quote_submit(request_id=req.pk, user=user, amount=amount,
                                document=pdf(f"SECRET-PROPOSAL of {user.username}".encode()))
    return req, firms


def _assert_sealed(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} readable at {where}"


def _paths(req, quotes) -> list[str]:
    code = req.code
    paths = [f"/requests/{code}/", f"/requests/{code}/comparison/", f"/requests/{code}/comparison/quote/",
             f"/requests/{code}/comparison/score/", f"/requests/{code}/comparison/criteria/", "/todo/",
             "/accounts/inbox/", "/firm/signups/", "/firm/invitations/", "/owner/requests/", "/bureau/requests/",
             f"/api/v1/requests/{code}/ocds/", "/api/v1/draws/", "/api/v1/announcements/", "/api/v1/results/",
             "/api/v1/ocds/releases/", "/api/v1/statistics/", "/api/v1/requests/", f"/api/v1/requests/{code}/",
             "/feeds/announcements/", "/audit/heads/", "/api/v1/audit/heads/", "/"]
    paths += [f"/requests/{code}/comparison/documents/{q.pk}/" for q in quotes]
    # The platform's own document download, for every stored document and for the quotes' ids.
    ids = set(Document.objects.values_list("pk", flat=True)) | {q.pk for q in quotes}
    paths += [f"/documents/{pk}/" for pk in sorted(ids)]
    return paths


def _admin_paths(req) -> list[str]:
    paths = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if model_admin.date_hierarchy and connection.vendor == "mysql":
            # A date drill-down needs MariaDB's time-zone tables, which a bare server lacks;
            # these lists show no quote column anyway (the quotes' own list has no drill-down).
            continue
        try:
            paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        except NoReverseMatch:
            continue
    for quote in ComparisonQuote.objects.filter(request=req):
        paths.append(reverse("admin:bidding_comparisonquote_change", args=[quote.pk]))
    for record in AuditRecord.objects.filter(chain__in=[f"comparison:{req.code}", f"request:{req.code}"]):
        paths.append(reverse("admin:audit_auditrecord_change", args=[record.pk]))
    return paths


@pytest.mark.parametrize("stage", ["published", "selecting"])
def test_no_path_shows_a_quote_or_a_document_before_the_opening(owner, client, django_user_model, stage):
    req, firms = _sealed_request(owner)
    if stage == "selecting":
        req = close_signup(req)  # sign-up closed, the opening still an hour ahead
        assert req.status == "selecting"
    quotes = list(ComparisonQuote.objects.filter(request=req))
    # A response document is never one of the platform's Documents (whose download checks
    # only who uploaded it and the parties of a contract): it has its own, sealed, store.
    assert not Document.objects.filter(sha256__in=[q.document_sha256 for q in quotes]).exists()
    viewers = {
        "owner": owner, "panel colleague": UserFactory(organisation=owner.organisation),
        "city bureau": bureau_user(), "other firm": firm_user(item=req.service_item),
        "quoting firm": firms[0], "anonymous": None,
    }
    for name, user in viewers.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for path in _paths(req, quotes):
            response = client.get(path)
            assert response.status_code < 500, (name, path)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            _assert_sealed(body.decode("utf-8", "replace"), f"{path} as {name}")
        for quote in quotes:  # the response document itself: 404 for everyone, its firm included
            assert client.get(f"/requests/{req.code}/comparison/documents/{quote.pk}/").status_code == 404
    # The docking API with each party's key (owner: requests and writes; firm: bids).
    for org, scopes in ((owner.organisation, ALL_OWNER), (firms[0].organisation, ALL_FIRM)):
        api = ApiClient(key_for(org, scopes))
        for path in _paths(req, quotes):
            if path.startswith("/api/"):
                response = api.get(path)
                assert response.status_code < 500, (org.name, path)
                _assert_sealed(response.content.decode(), f"{path} with the key of {org.name}")
    superuser = django_user_model.objects.create_superuser("root-admin", "root@example.com", "pass-Word-123")
    client.force_login(superuser)
    for path in _admin_paths(req):
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_sealed(response.content.decode(), f"admin {path}")
    # A plain database read: the rows and the stored files hold no amount and no document.
    rows = json.dumps(list(ComparisonQuote.objects.filter(request=req).values()), default=str)
    records = json.dumps(list(AuditRecord.objects.values("data", "reason")), default=str, ensure_ascii=False)
    _assert_sealed(rows + records, "the database")
    for quote in quotes:
        with quote.document_sealed.open("rb") as handle:
            assert b"SECRET-PROPOSAL" not in handle.read()


def test_after_the_opening_every_quote_is_public_and_documents_reach_those_who_score(owner, client):
    req, firms = _sealed_request(owner)
    req = open_now(req)
    html = client.get(f"/requests/{req.code}/comparison/").content.decode()
    for amount in ("87,654.32 元", "76,543.21 元", "98,765.43 元"):
        assert amount in html
    for quote in ComparisonQuote.objects.filter(request=req):
        assert quote.quote_sha256 in html and quote.document_sha256 in html
    quote = ComparisonQuote.objects.get(request=req, organisation=firms[0].organisation)
    url = f"/requests/{req.code}/comparison/documents/{quote.pk}/"
    assert client.get(url).status_code == 404  # anonymous
    for user, allowed in ((owner, True), (bureau_user(), True), (firms[0], True), (firms[1], False)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == (200 if allowed else 404)
        if allowed:
            assert b"SECRET-PROPOSAL" in b"".join(response.streaming_content)
