"""Form fields shared by every app's forms."""

from decimal import Decimal

from django import forms

from core.format import MoneyParseError, money_parse


class AmountInput(forms.TextInput):
    """An amount typed as a person writes it; static/js/forms.js shows it back with
    thousands separators and in capitals (大写) as it is typed."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "data-amount": "", "autocomplete": "off",
                          "placeholder": "例如 83000 或 8.3万", **(attrs or {})})


class AmountField(forms.DecimalField):
    """A yuan amount read by `core.format.money_parse`: "83000", "83,000.00", "8.3万" are
    understood; anything else is refused with what to type instead."""

    widget = AmountInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return money_parse(str(value), label=str(self.label or "金额").replace("（元）", ""))
        except MoneyParseError as exc:
            raise forms.ValidationError(exc.message, code="invalid") from None

    def widget_attrs(self, widget):
        # No number-input attributes (step, min): the field takes text such as "8.3万".
        attrs = super().widget_attrs(widget)
        for name in ("step", "min", "max"):
            attrs.pop(name, None)
        attrs["data-amount-label"] = str(self.label or "金额").replace("（元）", "")
        return attrs
