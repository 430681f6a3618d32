"""The service of every written answer (`core.models.WrittenAnswer`)."""

from datetime import datetime

from core.exceptions import InvalidState
from core.models import ANSWER_MAX, REASON_MAX, WrittenAnswer
from core.text import text_clean


def written_reason_clean(value: str, *, field: str = "reason", label: str = "理由") -> str:
    """The filer's reason: required, at most `REASON_MAX` characters."""
    return text_clean(value, field=field, label=label, max_length=REASON_MAX, required=True)


def written_answer_give(*, item: WrittenAnswer, user, uphold: bool, answer: str, at: datetime,
                        field: str = "answer") -> tuple[str, str]:
    """Answer `item` in writing: uphold or reject it. Returns (state before, state after)
    for the caller's audit record.

    Preconditions: the caller holds `item`'s row lock (and whatever it locks with it) inside
    a transaction and has checked that `user` may answer it (jurisdiction). The answer is
    required and bounded; an item already answered raises InvalidState. The caller saves
    nothing else of the item; this saves it.
    """
    text = text_clean(answer, field=field, label="书面答复", max_length=ANSWER_MAX, required=True)
    if not item.is_pending:
        raise InvalidState("该事项已答复，不能再次答复。")
    before = item.status
    (item.uphold if uphold else item.reject)(by=user, at=at, answer=text)
    item.save()
    return before, item.status
