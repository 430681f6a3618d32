"""Errors of the market's services; views and consumers turn them into clear messages."""


class MarketError(Exception):
    """Base class: `message` is Chinese, for a person."""

    status_code = 400

    def __init__(self, message: str = "", *, errors: dict[str, list[str]] | None = None):
        self.message = message or "操作未能完成。"
        self.errors = errors or {}
        super().__init__(self.message)


class ValidationFailed(MarketError):
    """Input breaks a rule; `errors` maps form fields ("" for the whole form) to messages."""


class NotAllowed(MarketError):
    """The user may not do this to this object."""

    status_code = 403


class InvalidState(MarketError):
    """The object is not in a state that allows this step (for example, sign-up has closed)."""

    status_code = 409


class NotEligible(MarketError):
    """The firm may not take part; `code` says why (qualification, exclusion, credit)."""

    status_code = 403

    def __init__(self, message: str, *, code: str):
        self.code = code
        super().__init__(message)
