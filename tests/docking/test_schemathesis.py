"""Schemathesis against `/api/v1/schema/`: every operation, anonymous and with a key of
each kind (owner, firm, county platform, bureau), generated requests; no 5xx, every
response matches the documented schema, status code, content type and headers.

Examples per operation and caller: SCHEMATHESIS_EXAMPLES (default 4, to keep CI short).
The counts of calls and statuses are written to var/schemathesis-counts.json.
"""

import json
import os
from collections import Counter

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi import checks as openapi_checks

from tests.docking.support import county_platform, key_for
from tests.factories import bureau_user, firm_user, owner_user, published_request

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))
# Generated cases only (positive and negative), a few per operation and caller: the
# coverage phase would add dozens of boundary cases per operation and minutes to CI.
CONFIG = SchemathesisConfig.from_str(f"""
[phases.coverage]
enabled = false
[phases.stateful]
enabled = false
[generation]
max-examples = {EXAMPLES}
""")
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(), config=CONFIG)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
]
COUNTS: Counter = Counter()
OPERATIONS: set = set()


@pytest.fixture(scope="module", autouse=True)
def _write_counts():
    yield
    path = django_settings.VAR_DIR / "schemathesis-counts.json"
    path.write_text(json.dumps({"operations": len(OPERATIONS), "calls": sum(v for k, v in COUNTS.items()
                                                                           if k.startswith("status:")),
                                "by": dict(sorted(COUNTS.items()))}, indent=1))


@pytest.fixture(autouse=True)
def _keep_connection():
    """The WSGI handler closes the database connection after each request, as in
    production; inside a test transaction it must stay open (django.test.Client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def keys(db, settings):
    settings.API_RATE_PER_MINUTE = 10**6
    settings.API_ANON_RATE_PER_MINUTE = 10**6
    owner = owner_user(region_code="360982")
    published_request(owner=owner)
    return {
        "anonymous": None,
        "owner": key_for(owner.organisation, "read,requests:write,webhooks"),
        "firm": key_for(firm_user().organisation, "read,bids:write,webhooks"),
        "county": key_for(county_platform("360982"), "read,requests:write,webhooks", county="360982"),
        "bureau": key_for(bureau_user().organisation, "read,webhooks"),
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, keys):
    """Each generated request is sent by every kind of caller."""
    for who, key in keys.items():
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        OPERATIONS.add(f"{case.method} {case.path}")
        COUNTS[f"status:{response.status_code}"] += 1
        COUNTS[f"caller:{who}"] += 1
