"""Sealing of comparison quotes (询比报价密封): what a registrant submits is stored encrypted
until the opening, so that no page, API, admin view, export or plain database read shows it.

The cipher is Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`); its key is derived
with HKDF-SHA256 from the setting COMPARISON_SEAL_KEY (or, when that is empty, SECRET_KEY),
so the key is never stored in the database. Only two places decrypt: the opening
(`bidding.services_comparison.comparison_open`) and, after it, the response-document
download. A token that does not decrypt raises `SealBroken`.

What a sealed quote commits to is a canonical text (`quote_text`) whose SHA-256 the firm is
shown when it submits: it names the recipe, the request, the round, the firm, the amount,
the response document's SHA-256 and a random salt. The salt matters: without it anyone
holding the hash could find the amount by trying every amount up to the ceiling.
"""

import base64
import hashlib
import secrets
from decimal import Decimal
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

RECIPE = "YCZJCS-QUOTE-v1"
SALT_BYTES = 16


class SealBroken(Exception):
    """A sealed token does not decrypt with the platform's key (tampered or a changed key)."""


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"yczjcs comparison seal v1").derive(
        secret.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def _cipher() -> Fernet:
    return _fernet(settings.COMPARISON_SEAL_KEY or settings.SECRET_KEY)


def seal(data: bytes) -> bytes:
    """`data` encrypted and authenticated (a Fernet token, URL-safe base64 bytes)."""
    return _cipher().encrypt(data)


def unseal(token: bytes) -> bytes:
    """The plaintext of a token `seal` made. Raises SealBroken for anything else."""
    try:
        return _cipher().decrypt(token)
    except InvalidToken:
        raise SealBroken("密封数据无法解密或已被篡改。") from None


def salt_new() -> str:
    return secrets.token_hex(SALT_BYTES)


def quote_text(*, request_code: str, round: int, firm_code: str, amount: Decimal, document_sha256: str,
               salt: str) -> str:
    """The canonical text of a quote: one `key=value` per line after the recipe's name,
    in this order, joined by "\\n", no trailing newline; the amount with two decimals."""
    return "\n".join([
        RECIPE,
        f"request={request_code}",
        f"round={round}",
        f"firm={firm_code}",
        f"amount={amount:.2f}",
        f"document_sha256={document_sha256}",
        f"salt={salt}",
    ])


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
