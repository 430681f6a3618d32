"""Ground-floor models: the rules as data, the working-day calendar, the sweep heartbeat and
the abstract written answer shared by objections, termination requests, credit appeals and
rating disputes. The concrete tables kept their names when they moved here from `market`."""

import threading

import django_fsm as fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

_REFRESH_LOCK = threading.Lock()

# Bounds of free text every service enforces (the models agree; see `core.text`).
REASON_MAX = 2000
ANSWER_MAX = 4000


class SerialRefreshMixin:
    """Make `refresh_from_db` safe in a threaded server.

    django-fsm's `FSMModelMixin.refresh_from_db` lifts the protection of protected state
    fields on the *field* (shared by every instance in the process) and restores it after;
    two threads refreshing at once can restore it under the other's feet, which then fails
    with "Direct status modification is not allowed". One process-wide lock around the
    toggle makes it consistent; each refresh is one primary-key query.
    """

    def refresh_from_db(self, *args, **kwargs) -> None:
        with _REFRESH_LOCK:
            super().refresh_from_db(*args, **kwargs)


class Rule(models.Model):
    """One number of the city's rules, editable by the city bureau, with the text it comes
    from. Read only through `core.rules.rule_value`; `core.rules.RULES` holds the defaults."""

    key = models.SlugField(_("规则键"), max_length=60, unique=True)
    label = models.CharField(_("名称"), max_length=100)
    value = models.DecimalField(_("取值"), max_digits=14, decimal_places=4)
    unit = models.CharField(_("单位"), max_length=20)
    min_value = models.DecimalField(_("下限"), max_digits=14, decimal_places=4, null=True, blank=True)
    source = models.TextField(_("依据"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        db_table = "market_rule"
        ordering = ["key"]
        verbose_name = _("规则参数")
        verbose_name_plural = _("规则参数")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(value__gte=F("min_value")), name="rule_value_not_below_min"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} = {self.value.normalize()} {self.unit}"


class CalendarDay(models.Model):
    """A day whose working status the bureau fixes by hand (holidays and 调休 of years the
    chinese-calendar library does not know yet, or local corrections). Overrides the library."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=60, blank=True)

    class Meta:
        db_table = "market_calendarday"
        ordering = ["date"]
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_workday else '休息日'} {self.note}"


class Heartbeat(models.Model):
    """Last time a periodic job ran; /healthz reads the beat sweep's."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    class Meta:
        db_table = "market_heartbeat"
        verbose_name = _("心跳")
        verbose_name_plural = _("心跳")


class WrittenAnswer(SerialRefreshMixin, fsm.ConcurrentTransitionMixin, models.Model):
    """Something filed with the bureau that it answers once, in writing, within a deadline:
    an objection (质疑), a termination request, a credit appeal (申诉), a rating dispute (异议).

    pending ─uphold→ upheld   (the filer is right: the caller applies the consequence)
    pending ─reject→ rejected (the filer is wrong: things stay or resume as they were)

    Transitions only guard and set fields; `core.answers.written_answer_give` fires them
    under the caller's lock and the caller records the change in its audit chain.
    Concrete models name their own column for a field when the table is older than this
    model (`db_column`), and give `VERDICTS` the words of their kind.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待答复")
        UPHELD = "upheld", _("成立")
        REJECTED = "rejected", _("不成立")

    VERDICTS: dict[str, str] = {}

    reason = models.TextField(_("理由"), max_length=REASON_MAX)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("提出时间"))
    answer_due = models.DateTimeField(_("答复期限"))
    status = fsm.FSMField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, protected=True)
    answer = models.TextField(_("书面答复"), max_length=ANSWER_MAX, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def verdict(self) -> str:
        """The Chinese words of this item's state, in the terms of its kind."""
        return self.VERDICTS.get(self.status) or self.Status(self.status).label

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @classmethod
    def status_field(cls, *, verbose_name=_("状态"), max_length: int = 10, db_column: str | None = None):
        """The state field for a concrete model whose table is older than this model and
        names (or sizes) the column its own way."""
        return fsm.FSMField(verbose_name, max_length=max_length, choices=cls.Status.choices,
                            default=cls.Status.PENDING, protected=True, db_column=db_column)

    @staticmethod
    def answered_in_writing(name: str) -> models.CheckConstraint:
        """The database's guarantee that an answered item has its written answer."""
        return models.CheckConstraint(condition=Q(status="pending") | ~Q(answer=""), name=name)

    @fsm.transition(field="status", source=Status.PENDING, target=Status.UPHELD)
    def uphold(self, *, by, at, answer: str) -> None:
        self.answer, self.answered_by, self.answered_at = answer, by, at

    @fsm.transition(field="status", source=Status.PENDING, target=Status.REJECTED)
    def reject(self, *, by, at, answer: str) -> None:
        self.answer, self.answered_by, self.answered_at = answer, by, at
