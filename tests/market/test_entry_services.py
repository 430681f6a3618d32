"""Entry (入驻) services: rules that hold whatever the form checks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Organisation
from core.exceptions import ValidationFailed
from market.models import Entry, Qualification, QualificationType
from market.services import qualification_add
from tests.factories import OrganisationFactory, UserFactory, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant():
    org = OrganisationFactory(kind=Organisation.Kind.INTERMEDIARY, uscc=make_uscc())
    Entry.objects.create(organisation=org, legal_rep="李四")
    return UserFactory(organisation=org)


def _graded_type() -> QualificationType:
    return QualificationType.objects.exclude(grades=[]).filter(code="engineering_consulting").first() or \
        next(t for t in QualificationType.objects.all() if len(t.grades) > 1)


def test_refuses_a_grade_the_type_does_not_have(applicant):
    qtype = _graded_type()
    with pytest.raises(ValidationFailed) as exc:
        qualification_add(user=applicant, qualification_type_id=qtype.pk, grade="特级（不存在）", cert_no="C-1",
                          valid_until=timezone.localdate() + timedelta(days=30))
    assert "grade" in exc.value.errors
    assert not Qualification.objects.filter(organisation=applicant.organisation).exists()


def test_refuses_an_expired_certificate(applicant):
    qtype = _graded_type()
    with pytest.raises(ValidationFailed) as exc:
        qualification_add(user=applicant, qualification_type_id=qtype.pk, grade=qtype.grades[-1], cert_no="C-2",
                          valid_until=timezone.localdate() - timedelta(days=1))
    assert "valid_until" in exc.value.errors


def test_accepts_a_valid_certificate(applicant):
    qtype = _graded_type()
    qual = qualification_add(user=applicant, qualification_type_id=qtype.pk, grade=qtype.grades[-1], cert_no="C-3",
                             valid_until=timezone.localdate() + timedelta(days=30))
    assert qual.organisation_id == applicant.organisation_id
