"""The errors every service raises; views, consumers and the API turn them into clear
messages with their status code. Each app narrows them where it needs to (for example
`bidding.exceptions`), so callers can catch one app's errors or all of them."""


class DomainError(Exception):
    """Base class: `message` is Chinese, for a person; `errors` maps form fields ("" for
    the whole form) to messages; `code` is a stable snake_case name for machines."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str = "", *, errors: dict[str, list[str]] | None = None, code: str = ""):
        self.message = message or "操作未能完成。"
        self.errors = errors or {}
        self.code = code or self.default_code
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """Input breaks a rule."""

    default_code = "validation_failed"


class NotAllowed(DomainError):
    """The user may not do this to this object (or the object does not exist for them)."""

    status_code = 403
    default_code = "not_allowed"


class NotFound(NotAllowed):
    """The object does not exist (or is not visible to this user)."""

    status_code = 404
    default_code = "not_found"


class InvalidState(DomainError):
    """The object is not in a state that allows this step (for example, sign-up has closed)."""

    status_code = 409
    default_code = "invalid_state"


class NotEligible(DomainError):
    """The firm may not take part; `code` says why (qualification, exclusion, credit)."""

    status_code = 403
    default_code = "not_eligible"

    def __init__(self, message: str, *, code: str):
        super().__init__(message, code=code)


def field_error(field: str, message: str) -> ValidationFailed:
    """A ValidationFailed whose message is also the error of one form field."""
    return ValidationFailed(message, errors={field: [message]})
