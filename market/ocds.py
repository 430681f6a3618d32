"""Open Contracting Data Standard (OCDS 1.1) release packages of service requests.

`GET /api/v1/requests/<request_code>/ocds/` (a fixed public address) serves one package
holding one release that describes the request as it stands: the tender, and once there
is a selection the award, and once signed the contract. Identities appear only where the
platform already makes them public: the buyer always, the supplier once selected;
registrants only as a count (names of registrants are shown to the owner and the bureau
alone), except the bidders of an auction once it has closed, whose bids the selection
method adds (`market.extensions.ocds_part_provider`). The secret draw nonce is never part of it.
"""

from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from market.extensions import ocds_parts
from market.models import ServiceRequest
from market.selection import method_get
from market.selectors import request_price, signup_counts

S = ServiceRequest.Status

OCDS_VERSION = "1.1"
# Identifier scheme of the unified social credit code in org-id.guide (State
# Administration for Market Regulation register).
USCC_SCHEME = "CN-SAMR"

TENDER_STATUS = {
    S.PUBLISHED: "active",
    S.SELECTING: "active",
    S.CANCELLED: "cancelled",
    S.FAILED: "unsuccessful",
}
AWARDED = (S.AWAITING_CONFIRMATION, S.PUBLICITY, S.OBJECTION, S.CONTRACTING, S.IN_SERVICE, S.DELIVERED,
           S.COMPLETED, S.RATED, S.TERMINATED)
CONTRACTED = (S.IN_SERVICE, S.DELIVERED, S.COMPLETED, S.RATED, S.TERMINATED)


def _iso(at) -> str | None:
    return timezone.localtime(at).isoformat() if at else None


def _value(amount: Decimal | None) -> dict | None:
    # OCDS amounts are JSON numbers; yuan with two places survive the float round trip.
    return None if amount is None else {"amount": float(amount), "currency": "CNY"}


def party_id(org) -> str:
    return f"{USCC_SCHEME}-{org.uscc}" if org.uscc else f"yczjcs-org-{org.pk}"


def _party(org, roles: list[str]) -> dict:
    party = {"id": party_id(org), "name": org.name, "roles": roles,
             "address": {"region": org.region.name, "countryName": "中国"}}
    if org.uscc:
        party["identifier"] = {"scheme": USCC_SCHEME, "id": org.uscc, "legalName": org.name}
    return party


def _compact(data):
    if isinstance(data, dict):
        return {k: _compact(v) for k, v in data.items() if v not in (None, [], {}, "")}
    if isinstance(data, list):
        return [_compact(v) for v in data]
    return data


def request_ocds_release(*, request: ServiceRequest) -> dict:
    """The OCDS release describing `request` now. Precondition: not a draft."""
    code = request.code
    ocid = f"{settings.OCDS_OCID_PREFIX}-{code}"
    selection = method_get(request.method)
    method_tender = selection.ocds_tender(request) if selection else {}
    status = request.status
    changed = request.status_changed_at or request.published_at
    tags = ["tender"]
    tender = {
        "id": code,
        "title": request.title,
        "description": request.scope,
        "status": "complete" if status in AWARDED else TENDER_STATUS.get(status, "active"),
        "value": _value(request.ceiling),
        "minValue": _value(request.floor),
        "mainProcurementCategory": "services",
        "additionalProcurementCategories": [],
        **method_tender,  # procurementMethod(Details), awardCriteria(Details): the method's words
        "tenderPeriod": {"startDate": _iso(request.published_at), "endDate": _iso(request.signup_deadline)},
        "awardPeriod": {"startDate": _iso(request.selection_at)},
        "numberOfTenderers": signup_counts(requests=[request]).get(request.pk, 0),
        "items": [{
            "id": "1",
            "description": request.service_item.name,
            "classification": {"scheme": "YCZJCS-CATALOGUE", "id": request.service_item.code,
                               "description": request.service_item.name},
            "quantity": 1,
        }],
        "contractPeriod": {"durationInDays": request.service_days},
    }
    parties = [_party(request.owner, ["buyer", "procuringEntity"])]
    release = {
        "ocid": ocid,
        "id": f"{code}-{int(changed.timestamp()) if changed else 0}",
        "date": _iso(changed),
        "tag": tags,
        "initiationType": "tender",
        "language": "zh",
        "buyer": {"id": party_id(request.owner), "name": request.owner.name},
        "tender": tender,
    }
    firm = request.selected_firm
    if firm is not None and status in AWARDED:
        tags.append("award")
        parties.append(_party(firm, ["supplier"]))
        award_id = f"{code}-award"
        release["awards"] = [{
            "id": award_id,
            "title": request.title,
            "status": "pending" if status == S.AWAITING_CONFIRMATION else "active",
            "date": _iso(request.status_changed_at),
            "value": _value(request_price(request)),
            "suppliers": [{"id": party_id(firm), "name": firm.name}],
        }]
        if status in CONTRACTED and request.contract_amount is not None:
            tags.append("contract")
            release["contracts"] = [{
                "id": f"{code}-contract",
                "awardID": award_id,
                "title": request.title,
                # OCDS "terminated" covers a contract that has run its course as well as one ended early.
                "status": "active" if status in (S.IN_SERVICE, S.DELIVERED) else "terminated",
                "value": _value(request.contract_amount),
                "dateSigned": _iso(request.service_starts_at),
                "period": {"startDate": _iso(request.service_starts_at), "endDate": _iso(request.service_ends_at)},
            }]
    for part in ocds_parts(request):  # e.g. the auction's bid ladder, once it has closed
        release.update(part.fields)
        for org, roles in part.parties:
            known = next((p for p in parties if p["id"] == party_id(org)), None)
            if known is None:
                parties.append(_party(org, roles))
            else:
                known["roles"] += [r for r in roles if r not in known["roles"]]
    release["parties"] = parties
    return _compact(release)


def request_ocds_package(*, request: ServiceRequest, uri: str) -> dict:
    """An OCDS 1.1 release package holding the request's release."""
    return _compact({
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": timezone.localtime().isoformat(),
        "publisher": {"name": settings.OCDS_PUBLISHER_NAME},
        "publicationPolicy": settings.OCDS_PUBLICATION_POLICY,
        "extensions": sorted({url for part in ocds_parts(request) for url in part.extensions}),
        "releases": [request_ocds_release(request=request)],
    })
