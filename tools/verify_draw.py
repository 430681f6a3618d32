#!/usr/bin/env python3
"""Re-check random-draw records of 宜春市网上中介服务超市, the Yichun service marketplace.

Standard library only, so anyone can copy this one file and run it with Python 3.6 or later::

    python verify_draw.py RECORD.json
    python verify_draw.py https://HOST/api/v1/draws/
    curl -s https://HOST/api/v1/draws/ | python verify_draw.py -

The input is a single record, a list of records, a paginated API page ``{"results": [...]}``
(only that page is checked) or ``{"draw": {...}}``. Each record is checked against the public
recipe ``YCZJCS-DRAW-v1``:

- ``algorithm``  算法        the record names YCZJCS-DRAW-v1;
- ``format``     格式        field types, 64-hex strings, ``drawn_at`` ISO 8601 with offset,
  valid unified social credit codes (GB 32100-2015 check character), pool sorted without
  duplicates, no excluded code in the pool;
- ``commitment`` 承诺值校验  sha256(nonce) equals the commitment published beforehand;
- ``pool_hash``  报名池哈希  sha256 of the sorted pool joined with "\\n";
- ``seed``       种子        sha256 of "YCZJCS-DRAW-v1|" + request_code + "|" + pool_hash + "|"
  + nonce;
- ``ranking``    排序        every code scored sha256(seed bytes + code), ordered by (score, code).

The recipe's hashes do not cover ``excluded`` and ``drawn_at``: a change there is caught only
when it breaks their format. Compare them with the announcement and the sign-up list.

Exit status: 0 all checks pass, 1 a check fails, 2 the input cannot be read.
Add ``--json`` for machine-readable output.

This file deliberately repeats the logic of ``bidding/draw.py`` (it must not import the
project); the project's tests hold both to the same results.
"""

import argparse
import hashlib
import io
import json
import re
import sys
import urllib.request
from datetime import datetime
from typing import Any, List, NamedTuple, Optional, Tuple

ALGORITHM = "YCZJCS-DRAW-v1"
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CHECK_LABELS = {
    "algorithm": "算法",
    "format": "格式",
    "commitment": "承诺值校验",
    "pool_hash": "报名池哈希",
    "seed": "种子",
    "ranking": "排序",
}
CHECK_NAMES = tuple(CHECK_LABELS)

EXIT_OK, EXIT_FAILED, EXIT_UNREADABLE = 0, 1, 2

_HEX64 = re.compile(r"[0-9a-f]{64}")
_ISO_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]{1,9})?"
    r"(?:Z|[+-]([0-9]{2}):([0-9]{2}))"
)
_MAX_FORMAT_PROBLEMS = 5


class Check(NamedTuple):
    name: str
    ok: bool
    detail: str


# --------------------------------------------------------------------------- recipe


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pool_hash(codes: List[str]) -> str:
    return sha256_hex("\n".join(sorted(codes)).encode("utf-8"))


def derive_seed(request_code: str, the_pool_hash: str, nonce_hex: str) -> str:
    return sha256_hex(f"{ALGORITHM}|{request_code}|{the_pool_hash}|{nonce_hex}".encode("utf-8"))


def rank(seed: str, codes: List[str]) -> List[Tuple[str, str]]:
    seed_bytes = bytes.fromhex(seed)
    scored = sorted((sha256_hex(seed_bytes + code.encode("utf-8")), code) for code in codes)
    return [(code, score) for score, code in scored]


def uscc_is_valid(code: object) -> bool:
    """GB 32100-2015: 18 characters of the alphabet, the last one the check character."""
    if not isinstance(code, str) or len(code) != 18:
        return False
    if any(ch not in USCC_CHARSET for ch in code):
        return False
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(code, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31] == code[17]


# --------------------------------------------------------------------------- checks


def is_hex64(value: object) -> bool:
    return isinstance(value, str) and _HEX64.fullmatch(value) is not None


def is_text(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_iso_datetime_with_offset(value: object) -> bool:
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


def format_problems(record: dict) -> List[str]:
    problems = []
    if not isinstance(record.get("algorithm"), str):
        problems.append("algorithm 缺失或不是字符串 / algorithm missing or not a string")
    if not is_text(record.get("request_code")):
        problems.append("request_code 缺失或为空 / request_code missing or empty")
    for field in ("commitment", "nonce", "pool_hash", "seed"):
        if not is_hex64(record.get(field)):
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
        if not isinstance(entry, dict):
            problems.append(f"excluded[{index}] 不是对象 / not an object")
            continue
        code = entry.get("code")
        if not uscc_is_valid(code):
            problems.append(f"excluded[{index}] 统一社会信用代码无效 / invalid USCC")
        elif code in pool_codes:
            problems.append(f"excluded[{index}] 出现在报名池中 / excluded code is in the pool")
        if not is_text(entry.get("reason")):
            problems.append(f"excluded[{index}] 缺少排除原因 / reason missing")

    ranking = record.get("ranking")
    if not isinstance(ranking, list):
        problems.append("ranking 缺失或不是列表 / ranking missing or not a list")
        ranking = []
    for index, entry in enumerate(ranking):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("code"), str)
            and is_hex64(entry.get("score"))
        ):
            problems.append(f"ranking[{index}] 需要 code 和 score / needs code and hex score")

    if not is_iso_datetime_with_offset(record.get("drawn_at")):
        problems.append(
            "drawn_at 不是带时区的 ISO 8601 时间 / drawn_at is not ISO 8601 with offset"
        )
    return problems


def cannot_check(name: str, fields: str) -> Check:
    return Check(name, False, f"无法校验：{fields} 格式错误 / cannot check: {fields} malformed")


def check_algorithm(record: dict) -> Check:
    value = record.get("algorithm")
    if value == ALGORITHM:
        return Check("algorithm", True, f"算法为 {ALGORITHM} / algorithm is {ALGORITHM}")
    return Check("algorithm", False, f"未知算法 {value!r:.40} / unknown algorithm {value!r:.40}")


def check_format(record: dict) -> Check:
    problems = format_problems(record)
    if not problems:
        return Check("format", True, "字段与代码格式正确 / fields and codes well-formed")
    shown = problems[:_MAX_FORMAT_PROBLEMS]
    if len(problems) > len(shown):
        shown.append(
            f"…（另有 {len(problems) - len(shown)} 项 / {len(problems) - len(shown)} more）"
        )
    return Check("format", False, "; ".join(shown))


def check_commitment(record: dict) -> Check:
    nonce = record.get("nonce")
    if not is_hex64(nonce):
        return cannot_check("commitment", "nonce")
    if sha256_hex(bytes.fromhex(nonce)) == record.get("commitment"):
        return Check("commitment", True, "sha256(nonce) 与承诺值一致 / matches the commitment")
    return Check("commitment", False, "sha256(nonce) 与承诺值不符 / does not match the commitment")


def check_pool_hash(record: dict) -> Check:
    pool = record.get("pool")
    if not isinstance(pool, list) or not all(is_text(code) for code in pool):
        return cannot_check("pool_hash", "pool")
    if pool_hash(pool) == record.get("pool_hash"):
        return Check("pool_hash", True, "报名池哈希一致 / pool_hash matches the pool")
    return Check("pool_hash", False, "报名池哈希不符 / pool_hash does not match the pool")


def check_seed(record: dict) -> Check:
    request_code, the_pool_hash, nonce = (
        record.get("request_code"),
        record.get("pool_hash"),
        record.get("nonce"),
    )
    if not (is_text(request_code) and is_hex64(the_pool_hash) and is_hex64(nonce)):
        return cannot_check("seed", "request_code / pool_hash / nonce")
    if derive_seed(request_code, the_pool_hash, nonce) == record.get("seed"):
        return Check("seed", True, "种子可由公开数据复算 / seed recomputed")
    return Check("seed", False, "种子与复算结果不符 / seed does not match the recomputation")


def check_ranking(record: dict) -> Check:
    seed, pool, published = record.get("seed"), record.get("pool"), record.get("ranking")
    if not (is_hex64(seed) and isinstance(pool, list) and all(is_text(c) for c in pool)):
        return cannot_check("ranking", "seed / pool")
    if not isinstance(published, list):
        return cannot_check("ranking", "ranking")
    expected = rank(seed, pool)
    if len(published) != len(expected):
        return Check(
            "ranking",
            False,
            f"排序条数 {len(published)} ≠ 复算 {len(expected)} / "
            f"{len(published)} entries published, {len(expected)} recomputed",
        )
    for position, (entry, (code, score)) in enumerate(zip(published, expected), start=1):
        if not (
            isinstance(entry, dict) and entry.get("code") == code and entry.get("score") == score
        ):
            return Check(
                "ranking",
                False,
                f"第 {position} 位与复算不符（应为 {code}）/ "
                f"position {position} differs (recomputed {code})",
            )
    return Check("ranking", True, "排序与复算一致 / ranking recomputed identically")


def verify_record(record: Any) -> List[Check]:
    """Run every check on one record, in the order of CHECK_NAMES. Never raises."""
    if not isinstance(record, dict):
        detail = "记录不是 JSON 对象 / record is not a JSON object"
        return [Check(name, False, detail) for name in CHECK_NAMES]
    return [
        check_algorithm(record),
        check_format(record),
        check_commitment(record),
        check_pool_hash(record),
        check_seed(record),
        check_ranking(record),
    ]


# --------------------------------------------------------------------------- input / output


class UnreadableInput(Exception):
    """The input could not be fetched, decoded or recognised."""


def read_source(source: str, timeout: float) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(
            source, headers={"Accept": "application/json", "User-Agent": "yczjcs-verify-draw/1"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http/https only)
            return response.read()
    with open(source, "rb") as handle:
        return handle.read()


def extract_records(document: Any) -> List[Any]:
    """Find the records in a bare record, a list, ``{"results": [...]}`` or ``{"draw": {...}}``."""
    if isinstance(document, list):
        records = document
    elif isinstance(document, dict) and isinstance(document.get("results"), list):
        records = document["results"]
    elif isinstance(document, dict) and isinstance(document.get("draw"), dict):
        records = [document["draw"]]
    elif isinstance(document, dict):
        records = [document]
    else:
        raise UnreadableInput("JSON 中没有抽签记录 / no draw record in the JSON")
    if not records:
        raise UnreadableInput("JSON 中没有抽签记录 / no draw record in the JSON")
    return records


def winner_of(record: Any, checks: List[Check]) -> Optional[str]:
    """The published winner, but only when every check passes."""
    if all(check.ok for check in checks):
        return record["ranking"][0]["code"]
    return None


def _tolerate_unencodable_output() -> None:
    """Let a console that cannot show Chinese print "?" instead of failing."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if hasattr(stream, "reconfigure"):  # Python 3.7+
            stream.reconfigure(errors="replace")
        elif hasattr(stream, "buffer"):
            wrapped = io.TextIOWrapper(stream.buffer, encoding=stream.encoding, errors="replace")
            setattr(sys, name, wrapped)


def _marks(stream: Any) -> Tuple[str, str]:
    try:
        "✓✗".encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "[OK]", "[FAIL]"
    return "✓", "✗"


def print_report(results: List[Tuple[Any, List[Check]]], document: Any) -> None:
    good, bad = _marks(sys.stdout)
    for number, (record, checks) in enumerate(results, start=1):
        request_code = record.get("request_code") if isinstance(record, dict) else None
        print(f"记录 / record {number}/{len(results)}: {request_code or '?'}")
        for check in checks:
            mark = good if check.ok else bad
            print(f"  {mark} {check.name:<10} {CHECK_LABELS[check.name]}  {check.detail}")
        winner = winner_of(record, checks)
        if winner:
            print(f"  中选机构 / winner: {winner}")
        else:
            print("  未能确认中选机构 / winner not established: verification failed")
    if isinstance(document, dict) and document.get("next"):
        print(f"仅校验了本页，下一页 / only this page was checked; next page: {document['next']}")
    all_ok = all(check.ok for _, checks in results for check in checks)
    print(
        f"{good} 全部校验通过 / all checks passed"
        if all_ok
        else f"{bad} 校验失败 / verification FAILED"
    )


def print_json(results: List[Tuple[Any, List[Check]]]) -> None:
    records = [
        {
            "request_code": record.get("request_code") if isinstance(record, dict) else None,
            "ok": all(check.ok for check in checks),
            "checks": [check._asdict() for check in checks],
            "winner": winner_of(record, checks),
        }
        for record, checks in results
    ]
    output = {"ok": all(entry["ok"] for entry in records), "records": records}
    print(json.dumps(output, ensure_ascii=False, indent=2))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="校验随机抽签记录 / verify YCZJCS-DRAW-v1 random-draw records"
    )
    parser.add_argument("source", help="JSON file, http(s) URL of the API, or - for stdin")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--timeout", type=float, default=30.0, help="URL timeout in seconds")
    args = parser.parse_args(argv)
    _tolerate_unencodable_output()

    try:
        document = json.loads(read_source(args.source, args.timeout))
        records = extract_records(document)
    except (OSError, ValueError, RecursionError, UnreadableInput) as error:
        print(f"无法读取输入 / cannot read input: {error}", file=sys.stderr)
        return EXIT_UNREADABLE

    results = [(record, verify_record(record)) for record in records]
    if args.json:
        print_json(results)
    else:
        print_report(results, document)
    all_ok = all(check.ok for _, checks in results for check in checks)
    return EXIT_OK if all_ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
