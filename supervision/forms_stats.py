"""The filters of the supervision figures: every id checked against what exists and what the
officer may see; a wrong value is a form error (the page answers 400), never a 500."""

from datetime import date

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.models import Organisation, Region
from core.jurisdiction import is_city_bureau
from market.models import ServiceItem
from market.selection import method_choices
from supervision.selectors_stats import StatFilters

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class PlainSelect(forms.Select):
    """A select whose options are formatted in Python rather than through one widget
    template per option: the owner list has hundreds of options (each ~0.3 ms through the
    template engine, most of the page's render). Same markup, values and selection."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((str(v), mark_safe(" selected") if str(v) in chosen else "", label) for v, label in self.choices))
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), options)


class StatFilterForm(forms.Form):
    """Region (in the officer's scope), service item, method, owner and period of first
    publication. `public=True`: the public page's filters (no owner)."""

    region = forms.ModelChoiceField(label="区划", queryset=Region.objects.none(), required=False, empty_label="全部",
                                    widget=PlainSelect)
    service_item = forms.ModelChoiceField(label="服务事项", queryset=ServiceItem.objects.order_by("code"),
                                          required=False, empty_label="全部", to_field_name="code",
                                          widget=PlainSelect)
    method = forms.ChoiceField(label="选取方式", choices=lambda: [("", "全部"), *method_choices()], required=False,
                               widget=PlainSelect)
    owner = forms.ModelChoiceField(label="项目业主", queryset=Organisation.objects.none(), required=False,
                                   empty_label="全部", widget=PlainSelect)
    date_from = forms.DateField(label="首次发布自", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user=None, public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if public or is_city_bureau(user):
            self.fields["region"].queryset = Region.objects.order_by("sort_order", "code")
        else:
            region_id = getattr(getattr(user, "organisation", None), "region_id", None)
            self.fields["region"].queryset = Region.objects.filter(code=region_id)
        if public:
            del self.fields["owner"]
        else:
            self.fields["owner"].queryset = Organisation.objects.filter(kind=Organisation.Kind.OWNER).order_by("name")

    def _clean_day(self, name: str):
        day = self.cleaned_data.get(name)
        if day is not None and not (EARLIEST <= day <= LATEST):
            raise forms.ValidationError("请填写 2000 年至 2100 年之间的日期。")
        return day

    def clean_date_from(self):
        return self._clean_day("date_from")

    def clean_date_to(self):
        return self._clean_day("date_to")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data

    def filters(self) -> StatFilters:
        """The validated filters (call after `is_valid()` returned True)."""
        d = self.cleaned_data
        owner = d.get("owner")
        return StatFilters(
            region_id=d["region"].pk if d.get("region") else None,
            service_item_id=d["service_item"].pk if d.get("service_item") else None,
            method=d.get("method") or None,
            owner_id=owner.pk if owner else None,
            date_from=d.get("date_from"), date_to=d.get("date_to"),
        )
