"""Errors of sign-up and selection; shared base with the market's errors."""

from market.exceptions import InvalidState, MarketError, NotAllowed, NotEligible, ValidationFailed

__all__ = ["InvalidState", "MarketError", "NotAllowed", "NotEligible", "ValidationFailed"]
