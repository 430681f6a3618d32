"""The verifiable random draw, version ``YCZJCS-DRAW-v1`` (a fixed public contract).

The recipe (PRODUCT.md, "Public contracts"):

1. **Commit** when the request is published: a secret 32-byte ``nonce`` is drawn and
   ``commitment = sha256(nonce)`` (lower-case hex) is published on the announcement.
2. **Pool** when sign-up closes: the eligible registrants' unified social credit codes
   (统一社会信用代码), sorted ascending, joined with ``"\\n"``, UTF-8 encoded;
   ``pool_hash = sha256(pool_bytes)``. Excluded registrants are listed with a reason.
3. **Seed**: ``seed = sha256("YCZJCS-DRAW-v1|" + request_code + "|" + pool_hash + "|" +
   nonce_hex)`` over the UTF-8 string, as hex.
4. **Rank**: ``score(c) = sha256(bytes.fromhex(seed) + c.encode())`` as hex; the pool is
   ordered by ``(score, c)`` ascending. The first code wins, the rest are the substitutes in
   order. There is never a second draw.
5. **Publish** the record (see :func:`build_record`); anyone re-checks it (see
   :func:`verify_record`, ``tools/verify_draw.py`` and ``bidding/static/bidding/js/verify_draw.js``,
   which implement the same checks under the same names).

This module is pure standard-library Python on purpose: no Django, no I/O, so the models,
the API, the Celery task and the tests can all share it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ALGORITHM = "YCZJCS-DRAW-v1"
"""The algorithm name, also the domain-separation prefix of the seed."""

NONCE_BYTES = 32
"""Length of the secret nonce in bytes."""

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""GB 32100-2015 code characters; a character's index is its value (0..30)."""

USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
"""GB 32100-2015 weights of the first 17 characters (3**i mod 31)."""

USCC_LENGTH = 18

CHECK_NAMES = ("algorithm", "format", "commitment", "pool_hash", "seed", "ranking")
"""The verifier's checks, in the order they are reported. Stable public names."""

CHECK_LABELS = {
    "algorithm": "算法",
    "format": "格式",
    "commitment": "承诺值校验",
    "pool_hash": "报名池哈希",
    "seed": "种子",
    "ranking": "排序",
}
"""Chinese labels of the checks, for display."""

_HEX64 = re.compile(r"[0-9a-f]{64}")
_ISO_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?"
    r"(?:Z|[+-]([0-9]{2}):([0-9]{2}))"
)
_MAX_FORMAT_PROBLEMS = 5


# --------------------------------------------------------------------------- recipe


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_nonce() -> bytes:
    """Draw a fresh secret nonce (32 bytes from the OS CSPRNG)."""
    return secrets.token_bytes(NONCE_BYTES)


def commitment_of(nonce: bytes) -> str:
    """Return the public commitment to ``nonce``: ``sha256(nonce)`` as lower-case hex."""
    return _sha256_hex(nonce)


def pool_bytes(codes: Iterable[str]) -> bytes:
    """Return the canonical pool encoding: codes sorted ascending, joined with ``\\n``, UTF-8.

    There is no trailing newline. The input order does not matter.
    """
    return "\n".join(sorted(codes)).encode("utf-8")


def pool_hash(codes: Iterable[str]) -> str:
    """Return ``sha256(pool_bytes(codes))`` as lower-case hex."""
    return _sha256_hex(pool_bytes(codes))


def derive_seed(*, request_code: str, pool_hash: str, nonce_hex: str) -> str:
    """Return the draw seed for a request, a pool hash and the revealed nonce (hex)."""
    message = f"{ALGORITHM}|{request_code}|{pool_hash}|{nonce_hex}"
    return _sha256_hex(message.encode("utf-8"))


def score(seed_hex: str, code: str) -> str:
    """Return the score of one code: ``sha256(bytes.fromhex(seed) + code.encode())`` hex."""
    return _sha256_hex(bytes.fromhex(seed_hex) + code.encode("utf-8"))


def rank(*, seed: str, codes: Iterable[str]) -> list[tuple[str, str]]:
    """Return ``(code, score)`` pairs ordered by ``(score, code)`` ascending.

    The first pair is the winner; the rest are the substitutes, in order.
    """
    scored = [(score(seed, code), code) for code in codes]
    scored.sort()
    return [(code, code_score) for code_score, code in scored]


# --------------------------------------------------------------------------- USCC


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a code.

    Raises ``ValueError`` if ``first17`` is not 17 characters of the code alphabet.
    """
    if len(first17) != USCC_LENGTH - 1 or any(ch not in USCC_CHARSET for ch in first17):
        raise ValueError("expected 17 characters of the GB 32100-2015 alphabet")
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_is_valid(code: object) -> bool:
    """Tell whether ``code`` is an 18-character unified social credit code (统一社会信用代码).

    Checks the length, the alphabet (digits and upper-case letters without I, O, S, V, Z)
    and the check character of GB 32100-2015. It does not check that the code was issued.
    """
    if not isinstance(code, str) or len(code) != USCC_LENGTH:
        return False
    if any(ch not in USCC_CHARSET for ch in code):
        return False
    return uscc_check_char(code[:-1]) == code[-1]


# --------------------------------------------------------------------------- record


def build_record(
    *,
    request_code: str,
    nonce: bytes,
    commitment: str,
    pool: Iterable[str],
    excluded: Iterable[Mapping[str, str]],
    drawn_at: datetime,
) -> dict[str, Any]:
    """Run the draw and return the public record, ready to be stored and served as JSON.

    ``commitment`` is the value published on the announcement; ``pool`` the eligible
    registrants' codes in any order; ``excluded`` the registrants left out, each a mapping
    with ``code`` and ``reason``; ``drawn_at`` an aware datetime (pass local time, e.g.
    ``django.utils.timezone.localtime()``, to publish a ``+08:00`` offset).

    The record depends only on the set of codes, never on sign-up order: the pool is sorted
    and ``excluded`` is sorted by ``(code, reason)``.

    Raises ``ValueError`` if ``sha256(nonce) != commitment`` (the platform must never publish
    a record that fails its own commitment), and likewise if the result would fail any
    other check of :func:`verify_record` (empty or duplicate pool, invalid code, an excluded
    firm in the pool, a naive ``drawn_at`` ...).
    """
    if commitment_of(nonce) != commitment:
        raise ValueError("the nonce does not match the published commitment")
    if len(nonce) != NONCE_BYTES:
        raise ValueError(f"the nonce must be {NONCE_BYTES} bytes")
    if drawn_at.utcoffset() is None:
        raise ValueError("drawn_at must be timezone-aware")
    codes = sorted(pool)
    if not codes:
        raise ValueError("the pool is empty")
    if len(set(codes)) != len(codes):
        raise ValueError("the pool contains a code twice")
    excluded_list = sorted(
        ({"code": entry["code"], "reason": entry["reason"]} for entry in excluded),
        key=lambda entry: (entry["code"], entry["reason"]),
    )
    nonce_hex = nonce.hex()
    the_pool_hash = pool_hash(codes)
    seed = derive_seed(request_code=request_code, pool_hash=the_pool_hash, nonce_hex=nonce_hex)
    record: dict[str, Any] = {
        "algorithm": ALGORITHM,
        "request_code": request_code,
        "commitment": commitment,
        "nonce": nonce_hex,
        "pool": codes,
        "pool_hash": the_pool_hash,
        "excluded": excluded_list,
        "seed": seed,
        "ranking": [{"code": code, "score": s} for code, s in rank(seed=seed, codes=codes)],
        "drawn_at": drawn_at.isoformat(),
    }
    failed = [check for check in verify_record(record) if not check.ok]
    if failed:
        details = "; ".join(f"{check.name}: {check.detail}" for check in failed)
        raise ValueError(f"refusing to build a record that fails its own verification: {details}")
    return record


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Check:
    """The outcome of one verification check.

    ``name`` is one of :data:`CHECK_NAMES`; ``detail`` is a short Chinese / English reason.
    """

    name: str
    ok: bool
    detail: str

    @property
    def label(self) -> str:
        """The check's Chinese label (e.g. ``承诺值校验``)."""
        return CHECK_LABELS[self.name]


def _is_hex64(value: object) -> bool:
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


def _is_text(value: object) -> bool:
    """A non-empty string that encodes to UTF-8 (JSON may carry lone surrogates)."""
    if not isinstance(value, str) or not value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_iso_datetime_with_offset(value: object) -> bool:
    """``YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`` naming a real instant."""
    if not isinstance(value, str):
        return False
    match = _ISO_DATETIME.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    offset_hours, offset_minutes = (int(part or 0) for part in match.groups()[6:])
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return offset_hours <= 23 and offset_minutes <= 59


def _format_problems(record: Mapping[str, Any]) -> list[str]:
    """List what is malformed in a record (empty when the format check passes)."""
    problems: list[str] = []
    if not isinstance(record.get("algorithm"), str):
        problems.append("algorithm 缺失或不是字符串 / algorithm missing or not a string")
    if not _is_text(record.get("request_code")):
        problems.append("request_code 缺失或为空 / request_code missing or empty")
    for field in ("commitment", "nonce", "pool_hash", "seed"):
        if not _is_hex64(record.get(field)):
            problems.append(f"{field} 不是64位小写十六进制 / {field} is not 64 lower-case hex")

    pool = record.get("pool")
    if not isinstance(pool, list) or not pool:
        problems.append("pool 缺失或为空 / pool missing or empty")
        pool = []
    for index, code in enumerate(pool):
        if not uscc_is_valid(code):
            problems.append(f"pool[{index}] 统一社会信用代码无效 / invalid USCC")
    for index in range(1, len(pool)):
        previous, code = pool[index - 1], pool[index]
        if isinstance(previous, str) and isinstance(code, str) and not previous < code:
            problems.append(
                f"pool[{index}] 未升序或重复 / pool not sorted ascending or has duplicates"
            )
            break

    excluded = record.get("excluded")
    if not isinstance(excluded, list):
        problems.append("excluded 缺失或不是列表 / excluded missing or not a list")
        excluded = []
    pool_codes = {code for code in pool if isinstance(code, str)}
    for index, entry in enumerate(excluded):
        if not isinstance(entry, Mapping):
            problems.append(f"excluded[{index}] 不是对象 / not an object")
            continue
        code = entry.get("code")
        if not uscc_is_valid(code):
            problems.append(f"excluded[{index}] 统一社会信用代码无效 / invalid USCC")
        elif code in pool_codes:
            problems.append(f"excluded[{index}] 出现在报名池中 / excluded code is in the pool")
        if not _is_text(entry.get("reason")):
            problems.append(f"excluded[{index}] 缺少排除原因 / reason missing")

    ranking = record.get("ranking")
    if not isinstance(ranking, list):
        problems.append("ranking 缺失或不是列表 / ranking missing or not a list")
        ranking = []
    for index, entry in enumerate(ranking):
        if not (
            isinstance(entry, Mapping)
            and isinstance(entry.get("code"), str)
            and _is_hex64(entry.get("score"))
        ):
            problems.append(f"ranking[{index}] 需要 code 和 score / needs code and hex score")

    if not _is_iso_datetime_with_offset(record.get("drawn_at")):
        problems.append(
            "drawn_at 不是带时区的 ISO 8601 时间 / drawn_at is not ISO 8601 with offset"
        )
    return problems


def _cannot_check(name: str, fields: str) -> Check:
    return Check(name, False, f"无法校验：{fields} 格式错误 / cannot check: {fields} malformed")


def _check_algorithm(record: Mapping[str, Any]) -> Check:
    value = record.get("algorithm")
    if value == ALGORITHM:
        return Check("algorithm", True, f"算法为 {ALGORITHM} / algorithm is {ALGORITHM}")
    return Check("algorithm", False, f"未知算法 {value!r:.40} / unknown algorithm {value!r:.40}")


def _check_format(record: Mapping[str, Any]) -> Check:
    problems = _format_problems(record)
    if not problems:
        return Check("format", True, "字段与代码格式正确 / fields and codes well-formed")
    shown = problems[:_MAX_FORMAT_PROBLEMS]
    if len(problems) > len(shown):
        shown.append(
            f"…（另有 {len(problems) - len(shown)} 项 / {len(problems) - len(shown)} more）"
        )
    return Check("format", False, "; ".join(shown))


def _check_commitment(record: Mapping[str, Any]) -> Check:
    nonce = record.get("nonce")
    if not _is_hex64(nonce):
        return _cannot_check("commitment", "nonce")
    if commitment_of(bytes.fromhex(nonce)) == record.get("commitment"):
        return Check("commitment", True, "sha256(nonce) 与承诺值一致 / matches the commitment")
    return Check("commitment", False, "sha256(nonce) 与承诺值不符 / does not match the commitment")


def _check_pool_hash(record: Mapping[str, Any]) -> Check:
    pool = record.get("pool")
    if not isinstance(pool, list) or not all(_is_text(code) for code in pool):
        return _cannot_check("pool_hash", "pool")
    if pool_hash(pool) == record.get("pool_hash"):
        return Check("pool_hash", True, "报名池哈希一致 / pool_hash matches the pool")
    return Check("pool_hash", False, "报名池哈希不符 / pool_hash does not match the pool")


def _check_seed(record: Mapping[str, Any]) -> Check:
    request_code = record.get("request_code")
    published_pool_hash = record.get("pool_hash")
    nonce = record.get("nonce")
    if not (_is_text(request_code) and _is_hex64(published_pool_hash) and _is_hex64(nonce)):
        return _cannot_check("seed", "request_code / pool_hash / nonce")
    expected = derive_seed(
        request_code=request_code, pool_hash=published_pool_hash, nonce_hex=nonce
    )
    if expected == record.get("seed"):
        return Check("seed", True, "种子可由公开数据复算 / seed recomputed")
    return Check("seed", False, "种子与复算结果不符 / seed does not match the recomputation")


def _check_ranking(record: Mapping[str, Any]) -> Check:
    seed = record.get("seed")
    pool = record.get("pool")
    if not (_is_hex64(seed) and isinstance(pool, list) and all(_is_text(c) for c in pool)):
        return _cannot_check("ranking", "seed / pool")
    expected = rank(seed=seed, codes=pool)
    published = record.get("ranking")
    if not isinstance(published, list):
        return _cannot_check("ranking", "ranking")
    if len(published) != len(expected):
        return Check(
            "ranking",
            False,
            f"排序条数 {len(published)} ≠ 复算 {len(expected)} / "
            f"{len(published)} entries published, {len(expected)} recomputed",
        )
    for position, (entry, (code, code_score)) in enumerate(
        zip(published, expected, strict=True), start=1
    ):
        if not (
            isinstance(entry, Mapping)
            and entry.get("code") == code
            and entry.get("score") == code_score
        ):
            return Check(
                "ranking",
                False,
                f"第 {position} 位与复算不符（应为 {code}）/ "
                f"position {position} differs (recomputed {code})",
            )
    return Check("ranking", True, "排序与复算一致 / ranking recomputed identically")


def verify_record(record: Any) -> list[Check]:
    """Re-check a published draw record; return one :class:`Check` per name in :data:`CHECK_NAMES`.

    Each check compares a published field with a recomputation from the *published* inputs
    it depends on, so a changed field shows up where it was changed:

    - ``algorithm``: the record names ``YCZJCS-DRAW-v1``;
    - ``format``: field types; 64-hex strings; ``drawn_at`` is ISO 8601 with an offset; every
      pool and excluded code is a valid GB 32100-2015 code (check character included); the
      pool is sorted without duplicates; no excluded code is in the pool;
    - ``commitment``: ``sha256(bytes.fromhex(nonce)) == commitment``;
    - ``pool_hash``: recomputed from ``pool``;
    - ``seed``: recomputed from ``request_code``, ``pool_hash`` and ``nonce``;
    - ``ranking``: recomputed from ``seed`` and ``pool``, codes and scores, in order.

    Honest limits of the recipe: its hashes do not cover ``excluded`` or ``drawn_at``. Only
    the ``format`` check guards them, so a changed byte is caught only when it breaks the
    format (a USCC check character, an impossible or unparsable date). Replacing an excluded
    code with another *valid* code, editing an exclusion reason, or moving ``drawn_at`` to
    another valid instant is not detectable from the record alone; those fields must be
    cross-checked against the announcement and the sign-up list.

    Unknown extra keys are ignored. Never raises, whatever JSON value it is given.
    """
    if not isinstance(record, Mapping):
        detail = "记录不是 JSON 对象 / record is not a JSON object"
        return [Check(name, False, detail) for name in CHECK_NAMES]
    return [
        _check_algorithm(record),
        _check_format(record),
        _check_commitment(record),
        _check_pool_hash(record),
        _check_seed(record),
        _check_ranking(record),
    ]


def record_winner(record: Any) -> str | None:
    """Return the winning code if every check passes, else ``None``."""
    if all(check.ok for check in verify_record(record)):
        return record["ranking"][0]["code"]
    return None
