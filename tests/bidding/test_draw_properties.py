"""Properties of the draw recipe YCZJCS-DRAW-v1 (``bidding/draw.py``), checked with Hypothesis."""

from datetime import datetime, timedelta, timezone

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bidding import draw

DRAWN_AT = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))

uscc_codes = st.text(alphabet=draw.USCC_CHARSET, min_size=17, max_size=17).map(
    lambda first17: first17 + draw.uscc_check_char(first17)
)
nonces = st.binary(min_size=32, max_size=32)
request_codes = st.text(min_size=1, max_size=30)  # Hypothesis text() never yields surrogates
reasons = st.sampled_from(
    ["信用受限 credit restriction", "资质过期 qualification expired", "回避 conflict"]
)


def build(*, pool, nonce=bytes(range(32)), request_code="YC-2026-000123", excluded=()):
    return draw.build_record(
        request_code=request_code,
        nonce=nonce,
        commitment=draw.commitment_of(nonce),
        pool=pool,
        excluded=list(excluded),
        drawn_at=DRAWN_AT,
    )


def order(record):
    return [entry["code"] for entry in record["ranking"]]


@settings(deadline=None)
@given(
    pool=st.lists(uscc_codes, min_size=1, max_size=40, unique=True),
    nonce=nonces,
    request_code=request_codes,
)
def test_ranking_is_a_permutation_of_the_pool_in_score_order(pool, nonce, request_code):
    record = build(pool=pool, nonce=nonce, request_code=request_code)
    assert sorted(order(record)) == sorted(pool)
    keys = [(entry["score"], entry["code"]) for entry in record["ranking"]]
    assert keys == sorted(keys)
    assert all(check.ok for check in draw.verify_record(record))


@settings(deadline=None)
@given(
    pool=st.lists(uscc_codes, min_size=12, max_size=30, unique=True), first=nonces, second=nonces
)
def test_the_order_depends_on_the_nonce(pool, first, second):
    # Two nonces give the same order of n >= 12 firms with probability 1/n! < 3e-9.
    assume(first != second)
    assert order(build(pool=pool, nonce=first)) != order(build(pool=pool, nonce=second))


@settings(deadline=None)
@given(
    pool=st.lists(uscc_codes, min_size=12, max_size=30, unique=True),
    first=request_codes,
    second=request_codes,
)
def test_the_order_depends_on_the_request_code(pool, first, second):
    assume(first != second)
    assert order(build(pool=pool, request_code=first)) != order(
        build(pool=pool, request_code=second)
    )


@settings(deadline=None)
@given(
    codes=st.lists(uscc_codes, min_size=2, max_size=30, unique=True),
    excluded_count=st.integers(min_value=0, max_value=5),
    reason_list=st.lists(reasons, min_size=5, max_size=5),
    data=st.data(),
)
def test_the_record_does_not_depend_on_sign_up_order(codes, excluded_count, reason_list, data):
    excluded_count = min(excluded_count, len(codes) - 1)
    pool = codes[excluded_count:]
    excluded = [
        {"code": code, "reason": reason}
        for code, reason in zip(codes[:excluded_count], reason_list, strict=False)
    ]
    shuffled_pool = data.draw(st.permutations(pool), label="pool in sign-up order")
    shuffled_excluded = data.draw(st.permutations(excluded), label="excluded in sign-up order")
    assert build(pool=shuffled_pool, excluded=shuffled_excluded) == build(
        pool=pool, excluded=excluded
    )


def _covered_strings(record):
    """(path, text) of every string the recipe's hashes or checks cover, excluding the
    ``excluded`` reasons and ``drawn_at`` (see the limits in ``verify_record``'s docstring)."""
    paths = [
        ((field,), record[field])
        for field in ("algorithm", "request_code", "commitment", "nonce", "pool_hash", "seed")
    ]
    paths += [(("pool", i), code) for i, code in enumerate(record["pool"])]
    paths += [
        (("excluded", i, "code"), entry["code"]) for i, entry in enumerate(record["excluded"])
    ]
    for i, entry in enumerate(record["ranking"]):
        paths += [
            (("ranking", i, "code"), entry["code"]),
            (("ranking", i, "score"), entry["score"]),
        ]
    return paths


def _set(record, path, value):
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@settings(deadline=None)
@given(
    pool=st.lists(uscc_codes, min_size=1, max_size=8, unique=True),
    excluded_code=uscc_codes,
    data=st.data(),
)
def test_every_single_character_change_in_a_covered_field_is_detected(pool, excluded_code, data):
    assume(excluded_code not in pool)
    record = build(pool=pool, excluded=[{"code": excluded_code, "reason": "回避"}])
    path, text = data.draw(st.sampled_from(_covered_strings(record)), label="field")
    position = data.draw(st.integers(min_value=0, max_value=len(text) - 1), label="position")
    replacement = data.draw(
        st.characters().filter(lambda ch: ch != text[position]), label="character"
    )
    _set(record, path, text[:position] + replacement + text[position + 1 :])
    failed = [check.name for check in draw.verify_record(record) if not check.ok]
    assert failed, f"changing {path} went unnoticed"
    assert draw.record_winner(record) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(deadline=None)
@given(
    junk=json_values,
    overrides=st.dictionaries(
        st.sampled_from(
            draw.CHECK_NAMES + ("pool", "excluded", "nonce", "drawn_at", "request_code")
        ),
        json_values,
        max_size=4,
    ),
)
def test_verify_record_never_raises_and_reports_every_check(junk, overrides):
    genuine = build(pool=["91330100716105852F", "914403001922038216"])
    for candidate in (junk, {**genuine, **overrides}):
        checks = draw.verify_record(candidate)
        assert [check.name for check in checks] == list(draw.CHECK_NAMES)
        assert all(isinstance(check.detail, str) and check.detail for check in checks)
    assert not all(check.ok for check in draw.verify_record(junk))
