"""What the auction adds to a request's public page and OCDS release once it has closed
(registered with `market.extensions` from `BiddingConfig.ready()`)."""

from django.utils import timezone

from accounts.models import Organisation
from bidding.selectors_auction import auction_ladders_public
from market.extensions import OcdsPart, Panel, ocds_part_provider, panel_provider
from market.ocds import party_id

# OCDS bid extension: bids.details with tenderers, value and date.
BID_EXTENSION = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"


def auction_ladder_panel(request, user) -> Panel | None:
    ladders = auction_ladders_public(request=request)
    return Panel("bidding/partials/auction_ladder.html", {"ladders": ladders}, order=15) if ladders else None


def auction_ocds(request) -> OcdsPart | None:
    """The closed auctions' bids in the OCDS bid extension: every accepted bid with its
    tenderer and amount, in order; the bidders as parties with the role `tenderer`."""
    ladders = auction_ladders_public(request=request)
    if not ladders:
        return None
    orgs = Organisation.objects.select_related("region").in_bulk(
        {b.organisation_id for ladder in ladders for b in ladder.bids})
    details = []
    for ladder in reversed(ladders):  # oldest round first, bids in their order
        for b in ladder.bids:
            org = orgs[b.organisation_id]
            details.append({
                "id": f"{request.code}-R{ladder.auction.round}-{b.seq}",
                "date": timezone.localtime(b.at).isoformat(),
                "status": "valid",
                "tenderers": [{"id": party_id(org), "name": org.name}],
                "value": {"amount": float(b.amount), "currency": "CNY"},
                "alias": b.alias,
            })
    statistics = [
        {"id": "bids", "measure": "bids", "value": len(details)},
        {"id": "bidders", "measure": "bidders", "value": len(orgs)},
    ]
    return OcdsPart(
        fields={"bids": {"statistics": statistics, "details": details}},
        parties=[(org, ["tenderer"]) for org in orgs.values()],
        extensions=[BID_EXTENSION],
    )


def register() -> None:
    panel_provider("request")(auction_ladder_panel)
    ocds_part_provider(auction_ocds)
