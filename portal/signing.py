"""The platform's PDF signature (PAdES, by pyHanko): the stand-in for the provincial
电子印章 system on the 中选通知书 and the result notice.

The signing certificate and key are settings (PEM files):

- `PDF_SIGNING_CERT`, `PDF_SIGNING_KEY` (and `PDF_SIGNING_KEY_PASSPHRASE` if the key is
  encrypted): the certificate issued to the platform by the province's CA, for production;
- unset: a self-signed test certificate (宜春市网上中介服务超市（测试签章）) is generated at first
  use under `VAR_DIR/pdf-signing/` and reused. A PDF reader then shows the signature as
  intact but its signer as not trusted until that certificate is trusted.

Every signed PDF is a PAdES baseline B-B signature: any PDF reader (Adobe Reader,
Foxit, 福昕, pdf.js …) checks that the document was not changed after signing.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from io import BytesIO
from pathlib import Path

from django.conf import settings

SUBJECT_NAME = "宜春市网上中介服务超市（测试签章）"
FIELD_NAME = "YCZJCS-Signature"


def _paths() -> tuple[Path, Path]:
    cert = getattr(settings, "PDF_SIGNING_CERT", "") or ""
    key = getattr(settings, "PDF_SIGNING_KEY", "") or ""
    if cert and key:
        return Path(cert), Path(key)
    folder = Path(settings.VAR_DIR) / "pdf-signing"
    return folder / "test-cert.pem", folder / "test-key.pem"


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.write(fd, data)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def self_signed_certificate_create(cert_path: Path, key_path: Path) -> None:
    """Generate the self-signed test certificate and its key (RSA 3072, 5 years)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "江西省"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "宜春市"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "宜春市行政审批局"),
        x509.NameAttribute(NameOID.COMMON_NAME, SUBJECT_NAME),
    ])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=5 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION,
                                              x509.ObjectIdentifier("1.2.840.113583.1.1.5")]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_atomically(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()), 0o600)
    _write_atomically(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def signing_certificate_path() -> Path:
    """The certificate PDFs are signed with (generated at first use when none is configured)."""
    cert_path, key_path = _paths()
    if not (cert_path.exists() and key_path.exists()):
        if getattr(settings, "PDF_SIGNING_CERT", ""):
            raise FileNotFoundError(f"PDF signing certificate or key missing: {cert_path}, {key_path}")
        self_signed_certificate_create(cert_path, key_path)
    return cert_path


def pdf_sign(data: bytes, *, reason: str, location: str = "宜春市") -> bytes:
    """`data` (a PDF) with the platform's PAdES signature appended (an incremental update,
    so the signed bytes are exactly the document as made)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    cert_path = signing_certificate_path()
    _cert, key_path = _paths()
    passphrase = getattr(settings, "PDF_SIGNING_KEY_PASSPHRASE", "") or None
    signer = signers.SimpleSigner.load(str(key_path), str(cert_path),
                                       key_passphrase=passphrase.encode() if passphrase else None)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason, location=location, name="宜春市网上中介服务超市",
    )
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()
