"""`{{ record.kind|audit_kind }}`, `{{ record.to_state|audit_state }}`: audit keys in Chinese."""

from django import template

from audit.labels import kind_label, state_label

register = template.Library()
register.filter("audit_kind", kind_label)
register.filter("audit_state", state_label)
