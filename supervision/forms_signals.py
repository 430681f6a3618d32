"""Forms of the anti-avoidance pages: the case filters and the review. Forms only parse;
`supervision.services_signals` decides and writes (and bounds the note again)."""

from django import forms

from supervision.models import SignalCase
from supervision.services_signals import NOTE_MAX

ALL = "all"


class CaseFilterForm(forms.Form):
    """Signal, status (待核查 by default) and region of the case list."""

    kind = forms.ChoiceField(label="信号", choices=[("", "全部信号"), *SignalCase.Kind.choices], required=False)
    status = forms.ChoiceField(label="状态", choices=[(ALL, "全部"), *SignalCase.Status.choices], required=False)
    region = forms.ChoiceField(label="区划", required=False)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "全部区划"), *[(r.pk, r.name) for r in regions]]

    def filters(self) -> dict:
        """The queryset filters chosen; an invalid choice is ignored (the default applies)."""
        data = self.cleaned_data if self.is_valid() else {}
        out = {}
        status = data.get("status") or SignalCase.Status.OPEN
        if status != ALL:
            out["status"] = status
        if data.get("kind"):
            out["kind"] = data["kind"]
        if data.get("region"):
            out["region_id"] = data["region"]
        return out


class CaseReviewForm(forms.Form):
    note = forms.CharField(
        label="核查意见", max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"写明核查了什么、结论如何（不超过{NOTE_MAX}字）。线索核查后不再列入待办，出现新情况时重新列入。",
        error_messages={"required": "请填写核查意见。",
                        "max_length": f"核查意见不能超过{NOTE_MAX}个字。"},
    )
