"""The 中选通知书 and the result notice print as PDFs with the Chinese font embedded and a
PAdES signature that verifies against the platform's certificate."""

from io import BytesIO

import pytest

from tests.factories import bureau_user, firm_user, owner_user
from tests.market.test_after_selection import drawn, in_publicity

pytestmark = pytest.mark.django_db


@pytest.fixture
def signing_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.PDF_SIGNING_CERT = settings.PDF_SIGNING_KEY = ""
    return tmp_path


def verify(data: bytes):
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from portal.signing import signing_certificate_path

    _type, _headers, der = pem.unarmor(signing_certificate_path().read_bytes())
    reader = PdfFileReader(BytesIO(data))
    (signature,) = reader.embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[x509.Certificate.load(der)]))
    return status


def test_the_result_notice_is_public_signed_and_embeds_the_chinese_font(client, signing_dir):
    owner = owner_user()
    req = in_publicity(owner)
    response = client.get(f"/requests/{req.code}/result-notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF") and b"/FontFile3" in data and b"NotoSansCJK" in data
    status = verify(data)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "宜春市网上中介服务超市（测试签章）"
    # A changed byte inside the signed range breaks it.
    tampered = bytearray(data)
    at = data.index(b"/Title") + 8
    tampered[at] = ord("X") if tampered[at] != ord("X") else ord("Y")
    assert not verify(bytes(tampered)).intact


def test_the_award_notice_goes_to_the_parties_and_the_bureau_only(client, signing_dir):
    owner = owner_user()
    req = in_publicity(owner)
    url = f"/requests/{req.code}/award-notice.pdf"
    assert client.get(url).status_code == 404
    client.force_login(firm_user())
    assert client.get(url).status_code == 404
    for user in (owner, req.selected_firm.users.first(), bureau_user()):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and verify(response.content).intact, user
    assert "中选通知书" in response["Content-Disposition"] or "%E4%B8%AD" in response["Content-Disposition"]


def test_no_notice_before_the_owner_confirms(client, signing_dir):
    req = drawn(owner_user())
    assert client.get(f"/requests/{req.code}/result-notice.pdf").status_code == 404
    assert "result-notice.pdf" not in client.get(f"/requests/{req.code}/").content.decode()


def test_the_request_page_links_both_notices_for_the_owner(client, signing_dir):
    owner = owner_user()
    req = in_publicity(owner)
    client.force_login(owner)
    html = client.get(f"/requests/{req.code}/").content.decode()
    assert f"/requests/{req.code}/award-notice.pdf" in html and f"/requests/{req.code}/result-notice.pdf" in html

