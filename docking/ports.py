"""The services and selectors of the apps below that the API calls, imported in one place.

The API never re-implements a rule: every write goes through the same service as the web
page (`market.services_requests`, `market.services_results`, `bidding`, `credit`,
`ratings`).
"""

from bidding.services_auction import bid_place
from bidding.services_direct import request_direct_pick
from credit.services import credit_appeal_file
from market.services_requests import (
    request_cancel,
    request_draft_save,
    request_publish,
    request_refresh,
    request_republish,
    signup_create,
)
from market.services_results import (
    contract_upload,
    objection_lodge,
    request_accept,
    request_confirm,
    request_decline,
    result_deliver,
    termination_ask,
)
from ratings.services import (
    rating_dispute_file,
    rating_submit_firm,
    rating_submit_owner,
)

__all__ = [
    "bid_place", "contract_upload", "credit_appeal_file", "objection_lodge", "rating_dispute_file",
    "rating_submit_firm", "rating_submit_owner", "request_accept", "request_cancel", "request_confirm",
    "request_decline", "request_direct_pick", "request_draft_save", "request_publish", "request_refresh",
    "request_republish", "result_deliver", "signup_create", "termination_ask",
]
