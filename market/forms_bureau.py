"""Forms of the bureau's pages: entry review, request filters, rules and the calendar.

Forms only parse and check input; the services in `market.services` and
`market.services_rules` decide and write.
"""

from django import forms

from accounts.models import Region
from market.models import Entry, ServiceItem, ServiceRequest
from market.selection import method_choices

ALL = "all"


class EntryFilterForm(forms.Form):
    """Status filter of the entry list; pending applications (待审核) by default."""

    status = forms.ChoiceField(
        label="状态",
        choices=[(ALL, "全部"), *Entry.Status.choices],
        required=False,
    )

    def status_value(self) -> str:
        """The status to filter by ("" for all); an unknown value falls back to 待审核."""
        if not self.is_valid() or not self.cleaned_data["status"]:
            return Entry.Status.SUBMITTED
        status = self.cleaned_data["status"]
        return "" if status == ALL else status


class EntryReviewForm(forms.Form):
    """通过 or 退回 of an entry application; returning it needs a reason the firm reads."""

    decision = forms.ChoiceField(
        choices=[("approve", "通过"), ("return", "退回")],
        error_messages={"required": "请选择审核结果。", "invalid_choice": "请选择审核结果。"},
    )
    reason = forms.CharField(
        label="退回理由",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "退回理由不能超过 %(limit_value)d 个字。"},
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", "退回须说明理由。")
        return data

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class RequestFilterForm(forms.Form):
    """Filters of the bureau's request list; `regions` are those the officer may see."""

    q = forms.CharField(label="搜索", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "项目名称、编号或业主"}))
    status = forms.ChoiceField(label="状态", choices=[("", "全部"), *ServiceRequest.Status.choices], required=False)
    region = forms.ModelChoiceField(label="区划", queryset=Region.objects.none(), required=False, empty_label="全部")
    method = forms.ChoiceField(label="选取方式", choices=lambda: [("", "全部"), *method_choices()], required=False)
    service_item = forms.ModelChoiceField(label="服务事项", queryset=ServiceItem.objects.filter(active=True).order_by("code"),
                                          required=False, empty_label="全部", to_field_name="code")

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions

    def filters(self) -> dict:
        """The valid filters as keyword arguments of a ServiceRequest query; an invalid
        value (say, a region outside the officer's scope) is ignored, not fatal."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        region = data.get("region")
        item = data.get("service_item")
        found = {"status": data.get("status"), "region_id": region.pk if region else None, "method": data.get("method"),
                 "service_item_id": item.pk if item else None}
        return {key: value for key, value in found.items() if value}

    def search(self) -> str:
        """The search text (title, code or owner), "" when none or invalid."""
        if not self.is_bound or not self.is_valid():
            return ""
        return (self.cleaned_data.get("q") or "").strip()


class RuleForm(forms.Form):
    """A new value for one rule; the service checks it against the rule's minimum."""

    key = forms.CharField(widget=forms.HiddenInput)
    value = forms.DecimalField(
        label="新取值",
        max_digits=14,
        decimal_places=4,
        error_messages={
            "required": "请填写新取值。",
            "invalid": "请输入有效的数值。",
            "max_digits": "数值过大。",
            "max_whole_digits": "数值过大。",
            "max_decimal_places": "数值最多保留4位小数。",
        },
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    reason = forms.CharField(
        label="修改理由", max_length=200,
        error_messages={"required": "请写明修改理由（如依据的文件或会议纪要）。", "max_length": "修改理由不能超过200个字。"},
        widget=forms.TextInput(attrs={"placeholder": "依据的文件、会议纪要等"}),
    )


class CalendarDayForm(forms.Form):
    """A day whose working status the bureau fixes by hand."""

    WORKDAY_CHOICES = [("1", "工作日（含调休上班）"), ("0", "休息日（节假日、调休休息）")]

    date = forms.DateField(
        label="日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写日期。", "invalid": "请输入有效的日期，如 2027-02-08。"},
    )
    is_workday = forms.TypedChoiceField(
        label="类型",
        choices=WORKDAY_CHOICES,
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": "请选择是否为工作日。", "invalid_choice": "请选择是否为工作日。"},
    )
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=60,
        help_text="如：春节、国庆节、调休上班。",
        error_messages={"max_length": "说明不能超过 %(limit_value)d 个字。"},
    )


class CalendarClearForm(forms.Form):
    """Removes the bureau's override of one day."""

    date = forms.DateField(error_messages={"required": "请填写日期。", "invalid": "请输入有效的日期。"})
