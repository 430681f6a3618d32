"""Forms of the project owner's pages: the request draft, cancelling and re-publishing.

The forms parse and check the input itself (numbers, dates, formats, the relations the
database enforces). Whether a request may be published (deadlines in working days, the
selection method, …) is decided by `market.services.request_publish`, whose field errors
the views copy onto these forms.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from accounts.models import Organisation, Region
from core.calendar import workday_add, workday_shift
from core.forms import AmountField, AmountInput
from core.rules import rule_int
from market.models import ServiceItem, ServiceRequest
from market.selection import method_choices
from market.selectors import registry_list
from market.services_requests import DRAFT_FIELDS, PHONE_RE, PROJECT_CODE_RE

# The platform's legal time: every datetime typed into a form is Yichun local time.
PLATFORM_TZ = ZoneInfo("Asia/Shanghai")
DEADLINE_TIME = time(17, 0)
SELECTION_TIME = time(9, 30)

MONEY_ERRORS = {
    "required": "请填写金额。",
    "invalid": "请输入有效的金额（元），如 100000.00。",
    "max_digits": "金额过大。",
    "max_whole_digits": "金额过大。",
    "max_decimal_places": "金额最多保留两位小数。",
}
INTEGER_ERRORS = {
    "required": "请填写此项。",
    "invalid": "请输入整数。",
    "min_value": "不能小于 %(limit_value)s。",
    "max_value": "不能大于 %(limit_value)s。",
}
DATETIME_ERRORS = {"invalid": "请输入有效的日期和时间，如 2026-03-02 17:00。", "required": "请填写日期和时间。"}
FLOOR_MESSAGE = "最低限价必须大于0且低于最高限价。"
SELECTION_MESSAGE = "选取时间不得早于报名截止时间。"


def default_deadlines(*, now: datetime) -> tuple[datetime, datetime]:
    """The suggested sign-up deadline and selection time for a request drafted at `now`.

    The deadline is 17:00 of the day the rule's sign-up window ends
    (`signup_window_workdays` working days after today, at the same clock time); if
    17:00 of that day would make the window shorter, 17:00 of the next working day.
    Selection is at 09:30 of the next working day after the deadline.
    """
    earliest = workday_shift(now, rule_int("signup_window_workdays")).astimezone(PLATFORM_TZ)
    deadline = datetime.combine(earliest.date(), DEADLINE_TIME, tzinfo=PLATFORM_TZ)
    if deadline < earliest:
        deadline = datetime.combine(workday_add(earliest.date(), 1), DEADLINE_TIME, tzinfo=PLATFORM_TZ)
    selection = datetime.combine(workday_add(deadline.date(), 1), SELECTION_TIME, tzinfo=PLATFORM_TZ)
    return deadline, selection


class LocalDateTimeField(forms.DateTimeField):
    """A `datetime-local` input read and shown in Asia/Shanghai, whatever the active zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    default_error_messages = DATETIME_ERRORS

    def to_python(self, value):
        with timezone.override(PLATFORM_TZ):
            return super().to_python(value)

    def prepare_value(self, value):
        with timezone.override(PLATFORM_TZ):
            return super().prepare_value(value)


class ServiceItemChoiceField(forms.ModelChoiceField):
    """Catalogue items, each labelled with the qualification a firm must hold for it."""

    def label_from_instance(self, obj: ServiceItem) -> str:
        return f"{obj.code} {obj.name}（{qualification_requirement(obj)}）"


def qualification_requirement(item: ServiceItem) -> str:
    """The qualification `item` requires, as a person reads it."""
    if item.qualification_type is None:
        return "无资质要求"
    grade = f"{item.min_grade}及以上" if item.min_grade else "不限等级"
    return f"资质要求：{item.qualification_type.name}，{grade}"


class FirmChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name}（{obj.uscc}）"


class RequestForm(forms.ModelForm):
    """The draft of a service request: every field an owner sets, plus the exclusions (回避)."""

    exclusions = FirmChoiceField(
        label="回避机构",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="与本项目存在利害关系、应当回避的已入驻中介机构（按住 Ctrl 可多选）。",
        error_messages={"invalid_choice": "所选机构不在已入驻机构名录中。", "invalid_pk_value": "所选机构无效。"},
    )
    exclusion_reason = forms.CharField(
        label="回避理由",
        required=False,
        max_length=200,
        error_messages={"max_length": "回避理由不能超过 %(limit_value)d 个字。"},
    )

    class Meta:
        model = ServiceRequest
        fields = list(DRAFT_FIELDS)
        field_classes = {"signup_deadline": LocalDateTimeField, "selection_at": LocalDateTimeField,
                         "ceiling": AmountField, "floor": AmountField, "min_step": AmountField}
        widgets = {
            "scope": forms.Textarea(attrs={"rows": 5}),
            "funding": forms.RadioSelect,
            "method": forms.RadioSelect,
            "ceiling": AmountInput(),
            "floor": AmountInput(),
            "min_step": AmountInput(),
            "service_days": forms.NumberInput(attrs={"min": "1"}),
            "auction_minutes": forms.NumberInput(attrs={"min": "1", "max": "240"}),
        }
        help_texts = {
            "project_code": "选填。全国投资项目在线审批监管平台赋予的代码，如 2026-360982-48-01-012345。",
            "floor": "选填。低于最低限价的报价无效。",
            "signup_deadline": "北京时间。报名期不得少于规定的工作日数，截止时间应为工作日。",
            "selection_at": "北京时间，应为工作日且不早于报名截止时间。竞价选取时即竞价开始时间。",
            "service_days": "日历天。",
            "auction_minutes": "仅竞价选取适用，1至240分钟。",
            "min_step": "仅竞价选取适用。留空则为最高限价的0.5%。",
            "allow_abnormally_low": "仅竞价选取适用。不勾选时，低于最高限价60%的报价不予接受。",
        }
        error_messages = {
            "ceiling": MONEY_ERRORS,
            "floor": MONEY_ERRORS,
            "min_step": MONEY_ERRORS,
            "service_days": {**INTEGER_ERRORS, "required": "请填写服务期限。"},
            "auction_minutes": {**INTEGER_ERRORS, "required": "请填写竞价时长。"},
            "service_item": {"required": "请选择服务事项。", "invalid_choice": "所选服务事项不可用。"},
            "region": {"required": "请选择项目所在区划。", "invalid_choice": "所选区划无效。"},
            "funding": {"required": "请选择资金来源。", "invalid_choice": "请选择资金来源。"},
            "method": {"required": "请选择选取方式。", "invalid_choice": "请选择选取方式。"},
            "title": {"required": "请填写项目名称。"},
            "scope": {"required": "请填写服务范围与内容。"},
            "contact_name": {"required": "请填写联系人。"},
            "contact_phone": {"required": "请填写联系电话。"},
        }

    def __init__(self, *args, owner: Organisation, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        items = ServiceItem.objects.select_related("qualification_type").order_by("code")
        # A draft keeps its item even if the catalogue retired it (publishing then says so).
        current_item = instance.service_item_id if instance.pk else None
        self.fields["service_item"] = ServiceItemChoiceField(
            label=self.fields["service_item"].label,
            queryset=items.filter(active=True) | items.filter(pk=current_item),
            empty_label="请选择服务事项",
            error_messages=self.fields["service_item"].error_messages,
        )
        self.fields["region"].queryset = Region.objects.order_by("sort_order", "code")
        self.fields["region"].empty_label = None
        # Radio buttons without the "---------" blank choice.
        self.fields["funding"].choices = ServiceRequest.Funding.choices
        self.fields["method"].choices = method_choices()
        self.fields["exclusions"].queryset = registry_list().prefetch_related(None)
        if instance.pk:
            chosen = list(instance.exclusions.values_list("organisation_id", "reason"))
            self.initial.setdefault("exclusions", [org_id for org_id, _ in chosen])
            self.initial.setdefault("exclusion_reason", chosen[0][1] if chosen else "")
        elif not self.is_bound:
            deadline, selection = default_deadlines(now=now or timezone.now())
            for name, value in {
                "region": owner.region_id,
                "method": "draw",
                "signup_deadline": deadline,
                "selection_at": selection,
                "auction_minutes": rule_int("auction_default_minutes"),
                "contact_name": owner.contact_name,
                "contact_phone": owner.phone,
            }.items():
                self.initial.setdefault(name, value)

    # --- field checks ------------------------------------------------------------------

    def clean_ceiling(self):
        ceiling = self.cleaned_data["ceiling"]
        if ceiling is not None and ceiling <= 0:
            raise forms.ValidationError("最高限价必须大于0。", code="min_value")
        return ceiling

    def clean_floor(self):
        floor = self.cleaned_data["floor"]
        if floor is not None and floor <= 0:
            raise forms.ValidationError(FLOOR_MESSAGE, code="min_value")
        return floor

    def clean_min_step(self):
        step = self.cleaned_data["min_step"]
        if step is not None and step <= 0:
            raise forms.ValidationError("最小降价幅度必须大于0。", code="min_value")
        return step

    def clean_service_days(self):
        days = self.cleaned_data["service_days"]
        if days is not None and days < 1:
            raise forms.ValidationError("服务期限至少1天。", code="min_value")
        return days

    def clean_auction_minutes(self):
        minutes = self.cleaned_data["auction_minutes"]
        if minutes is not None and not 1 <= minutes <= 240:
            raise forms.ValidationError("竞价时长应在1至240分钟之间。", code="range")
        return minutes

    def clean_project_code(self):
        code = (self.cleaned_data["project_code"] or "").strip()
        if code and not PROJECT_CODE_RE.match(code):
            raise forms.ValidationError(
                "投资项目代码格式应为“年份-区划-行业-类别-流水号”，如 2026-360982-48-01-012345。", code="format"
            )
        return code

    def clean_contact_phone(self):
        phone = (self.cleaned_data["contact_phone"] or "").strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError("请填写有效的联系电话。", code="format")
        return phone

    def clean(self):
        data = super().clean()
        ceiling, floor, step = data.get("ceiling"), data.get("floor"), data.get("min_step")
        if ceiling is not None and floor is not None and floor >= ceiling:
            self.add_error("floor", FLOOR_MESSAGE)
        if ceiling is not None and step is not None and step >= ceiling:
            self.add_error("min_step", "最小降价幅度必须小于最高限价。")
        deadline, selection = data.get("signup_deadline"), data.get("selection_at")
        if deadline is not None and selection is not None and selection < deadline:
            self.add_error("selection_at", SELECTION_MESSAGE)
        if data.get("exclusions") and not (data.get("exclusion_reason") or "").strip():
            self.add_error("exclusion_reason", "选择回避机构时须填写回避理由。")
        return data

    # --- what the services take --------------------------------------------------------

    def draft_data(self) -> dict:
        """The cleaned draft fields, as `request_draft_save(data=...)` takes them."""
        return {name: self.cleaned_data[name] for name in DRAFT_FIELDS}

    def exclusion_pairs(self) -> list[tuple[int, str]]:
        """The chosen exclusions as (organisation id, reason) pairs."""
        reason = (self.cleaned_data.get("exclusion_reason") or "").strip()
        return [(org.pk, reason) for org in self.cleaned_data.get("exclusions") or []]

    @classmethod
    def bound_to_stored(cls, *, instance: ServiceRequest, owner: Organisation) -> "RequestForm":
        """A validated form bound to the stored draft's own values, so that errors of a
        publish attempt made outside the form can be shown on its fields."""
        blank = cls(instance=instance, owner=owner)
        form = cls(data={name: blank[name].value() for name in blank.fields}, instance=instance, owner=owner)
        form.is_valid()
        return form


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="取消理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="已报名的机构将收到此理由。",
        error_messages={"required": "取消须说明理由。", "max_length": "取消理由不能超过 %(limit_value)d 个字。"},
    )


class RepublishForm(forms.Form):
    """New deadlines for a failed (流标) request's next sign-up round."""

    signup_deadline = LocalDateTimeField(label="报名截止时间", help_text="北京时间。")
    selection_at = LocalDateTimeField(label="选取时间", help_text="北京时间，不早于报名截止时间。")

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        deadline, selection = default_deadlines(now=now or timezone.now())
        self.initial.setdefault("signup_deadline", deadline)
        self.initial.setdefault("selection_at", selection)

    def clean(self):
        data = super().clean()
        deadline, selection = data.get("signup_deadline"), data.get("selection_at")
        if deadline is not None and selection is not None and selection < deadline:
            self.add_error("selection_at", SELECTION_MESSAGE)
        return data
