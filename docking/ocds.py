"""OCDS 1.1 releases of the API: the market's release of a request (`market.ocds`), with
what the selection and the contract add — the draw record (YCZJCS-DRAW-v1) on the award,
the auction's bids (bid extension) once it has closed, and the contract's milestones
(signed, delivery due and done, acceptance) — and the bulk feed of releases since a time.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bidding.methods import AUCTION, DRAW
from market.models import ServiceRequest
from market.ocds import OCDS_VERSION, request_ocds_release

BID_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
S = ServiceRequest.Status


def _iso(at):
    return timezone.localtime(at).isoformat() if at else None


def _absolute(build_uri, path: str) -> str:
    return build_uri(path) if build_uri else path


def _draw_part(req: ServiceRequest, release: dict, build_uri) -> None:
    from bidding.models import Draw

    if not release.get("awards"):
        return
    draw = Draw.objects.filter(request=req).only("record", "drawn_at").first()
    if draw is None:
        return
    award = release["awards"][0]
    award.setdefault("documents", []).append({
        "id": f"{req.code}-draw",
        "documentType": "evaluationReports",
        "title": "随机选取记录（YCZJCS-DRAW-v1，可复核）",
        "description": "承诺值、随机数、报名池、种子与排序；用 tools/verify_draw.py 或结果页面复核。",
        "url": _absolute(build_uri, reverse("api:draw-detail", kwargs={"request_code": req.code})),
        "datePublished": _iso(draw.drawn_at),
        "format": "application/json",
        "language": "zh",
    })
    # The record itself, as published, so a reader of the release needs nothing else.
    award["drawRecord"] = draw.record


def _bids_part(req: ServiceRequest, release: dict, extensions: set[str]) -> None:
    """The closed auction's accepted bids in the OCDS bid extension (unless the selection
    method already added them through `market.publication`)."""
    from bidding.models import Auction, Bid

    if "bids" in release:
        extensions.add(BID_EXTENSION)
        return
    auction = Auction.objects.filter(request=req, status__in=[Auction.Status.CLOSED, Auction.Status.VOID]).order_by(
        "-round").first()
    if auction is None:
        return
    bids = list(Bid.objects.filter(auction=auction).select_related("bidder", "organisation").order_by("seq"))
    if not bids:
        return
    details, firms = [], {}
    for b in bids:
        firms[b.organisation_id] = b.organisation
        details.append({"id": f"{req.code}-R{auction.round}-{b.seq}", "date": _iso(b.at), "status": "valid",
                        "tenderers": [{"id": _party_id(b.organisation), "name": b.organisation.name}],
                        "value": {"amount": float(b.amount), "currency": "CNY"}, "alias": b.bidder.alias})
    release["bids"] = {"statistics": [{"id": "bids", "measure": "bids", "value": len(details)},
                                      {"id": "bidders", "measure": "bidders", "value": len(firms)}],
                       "details": details}
    known = {p["id"]: p for p in release.get("parties", [])}
    for org in firms.values():
        pid = _party_id(org)
        if pid in known:
            if "tenderer" not in known[pid]["roles"]:
                known[pid]["roles"].append("tenderer")
        else:
            release.setdefault("parties", []).append(_party(org, ["tenderer"]))
    extensions.add(BID_EXTENSION)


USCC_SCHEME = "CN-SAMR"  # as market.ocds: the State Administration for Market Regulation register


def _party_id(org) -> str:
    return f"{USCC_SCHEME}-{org.uscc}" if org.uscc else f"yczjcs-org-{org.pk}"


def _party(org, roles: list[str]) -> dict:
    party = {"id": _party_id(org), "name": org.name, "roles": roles,
             "address": {"region": org.region.name, "countryName": "中国"}}
    if org.uscc:
        party["identifier"] = {"scheme": USCC_SCHEME, "id": org.uscc, "legalName": org.name}
    return party


def _milestones(req: ServiceRequest, release: dict) -> None:
    contracts = release.get("contracts")
    if not contracts:
        return
    now = timezone.now()
    delivered = req.delivered_at
    milestones = [{
        "id": f"{req.code}-signed", "title": "合同签订（双方上传盖章合同）", "type": "engagement",
        "dueDate": _iso(req.contract_due), "dateMet": _iso(req.service_starts_at), "status": "met",
        "dateModified": _iso(req.service_starts_at),
    }, {
        "id": f"{req.code}-delivery", "title": "提交服务成果", "type": "delivery",
        "dueDate": _iso(req.service_ends_at), "dateMet": _iso(delivered),
        "status": "met" if delivered else ("notMet" if req.service_ends_at and req.service_ends_at < now
                                          else "scheduled"),
        "dateModified": _iso(delivered or req.service_starts_at),
    }]
    if delivered:
        completed = req.completed_at
        milestones.append({
            "id": f"{req.code}-acceptance", "title": "业主验收", "type": "assessment",
            "dateMet": _iso(completed), "status": "met" if completed else "scheduled",
            "dateModified": _iso(completed or delivered),
        })
    contracts[0]["milestones"] = [{k: v for k, v in m.items() if v is not None} for m in milestones]


def release_of(req: ServiceRequest, *, build_uri=None, extensions: set[str] | None = None) -> dict:
    """The OCDS release of `req` now, with the draw record, bids and milestones.
    Precondition: not a draft."""
    release = request_ocds_release(request=req)
    extensions = extensions if extensions is not None else set()
    if req.method == DRAW:
        _draw_part(req, release, build_uri)
    elif req.method == AUCTION:
        _bids_part(req, release, extensions)
    _milestones(req, release)
    return release


def package_of(*, releases: list[dict], uri: str, extensions: set[str], links: dict | None = None) -> dict:
    package = {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": timezone.localtime().isoformat(),
        "publisher": {"name": settings.OCDS_PUBLISHER_NAME},
        "releases": releases,
    }
    if settings.OCDS_PUBLICATION_POLICY:
        package["publicationPolicy"] = settings.OCDS_PUBLICATION_POLICY
    if extensions:
        package["extensions"] = sorted(extensions)
    if links:
        package["links"] = links
    return package


def request_package(*, req: ServiceRequest, uri: str, build_uri=None) -> dict:
    """The release package of one request (`GET /api/v1/requests/<code>/ocds/`)."""
    from market.extensions import ocds_parts

    extensions: set[str] = {url for part in ocds_parts(req) for url in part.extensions}
    release = release_of(req, build_uri=build_uri, extensions=extensions)
    return package_of(releases=[release], uri=uri, extensions=extensions)


def releases_since(*, since=None):
    """Published requests by the time of their release (last change), oldest first."""
    qs = ServiceRequest.objects.exclude(status=S.DRAFT).select_related("owner__region", "selected_firm__region",
                                                                          "service_item")
    if since is not None:
        qs = qs.filter(status_changed_at__gte=since)
    return qs
