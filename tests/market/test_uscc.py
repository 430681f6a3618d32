"""USCC (GB 32100-2015) checks and the consistency of market/seed_data.py.

Plain functions, no database: runs with or without pytest-django
(``pytest -p no:django tests/market/test_uscc.py``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest

from core.uscc import (
    USCC_CHARSET,
    USCC_WEIGHTS,
    normalize_uscc,
    uscc_check_char,
    uscc_is_valid,
    uscc_problem,
    uscc_validate,
)
from market import seed_data

REGIONS = importlib.import_module("accounts.migrations.0002_seed_regions").REGIONS

AS_OF = dt.date(2026, 11, 30)
MIN_REGISTRANTS = 3

# Codes whose check character was worked out by hand from the GB 32100-2015 weights.
VALID = [
    "91350100M000100Y43",  # the example printed in GB 32100-2015
    "913601035905541254",
    "91360902MA359W0M3D",
]


@pytest.fixture(autouse=True)
def _media_root():
    """Override tests/conftest.py's autouse fixture, which needs pytest-django's ``settings``."""
    yield


# --------------------------------------------------------------------------- the algorithm


def test_charset_and_weights():
    assert len(USCC_CHARSET) == 31
    assert not set("IOSVZ") & set(USCC_CHARSET)


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_accepted(code):
    assert uscc_check_char(code[:17]) == code[17]
    assert uscc_is_valid(code)
    assert uscc_problem(code) is None
    uscc_validate(code)  # does not raise


def test_check_char_31_becomes_0():
    # A body whose weighted sum is a multiple of 31 gets "0" (31 - 0 = 31 -> 0), not an error.
    body = "9136090200000000"
    for ch in USCC_CHARSET:
        first17 = body + ch
        total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
        if total % 31 == 0:
            assert uscc_check_char(first17) == "0"
            break
    else:  # pragma: no cover
        pytest.fail("no body with a weighted sum divisible by 31")


def test_check_char_rejects_bad_input():
    with pytest.raises(ValueError):
        uscc_check_char("9136")
    with pytest.raises(ValueError):
        uscc_check_char("91360902MA359W0MI")  # I is not in the alphabet


def test_every_single_character_change_is_detected():
    code = VALID[1]
    for pos in range(18):
        for ch in USCC_CHARSET:
            if ch != code[pos]:
                assert not uscc_is_valid(code[:pos] + ch + code[pos + 1 :])


def _validation_error(code):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        uscc_validate(code)
    return info.value


@pytest.mark.parametrize("code", ["", "9136090", "913601035905541254X", "91360103 5905541254"])
def test_wrong_length_refused(code):
    assert not uscc_is_valid(code)
    err = _validation_error(code)
    assert err.code == "uscc_length"
    assert "应为18位" in err.messages[0]
    assert f"当前为{len(code)}位" in err.messages[0]


def test_non_string_refused():
    assert not uscc_is_valid(None)
    assert not uscc_is_valid(913601035905541254)
    assert _validation_error(None).code == "uscc_length"


@pytest.mark.parametrize(
    "code, bad",
    [
        ("91360902ma359w0m3d", "a"),  # lower case is not normalised by the validator
        ("91360902MA359W0MSD", "S"),
        ("9136090IMA359W0M3D", "I"),
        ("91360902MA359W0M3Ｄ", "Ｄ"),  # full-width letter
        ("91360902MA359W0M-D", "-"),
    ],
)
def test_illegal_characters_refused(code, bad):
    assert len(code) == 18
    assert not uscc_is_valid(code)
    err = _validation_error(code)
    assert err.code == "uscc_charset"
    assert "非法字符" in err.messages[0]
    assert bad in err.messages[0]


def test_wrong_check_character_refused():
    code = VALID[1][:17] + "3"
    assert not uscc_is_valid(code)
    err = _validation_error(code)
    assert err.code == "uscc_checksum"
    assert "校验位错误" in err.messages[0]
    assert "“4”" in err.messages[0] and "“3”" in err.messages[0]


def test_normalize_then_valid():
    assert uscc_is_valid(normalize_uscc("  91360902ma359w0m3d \n"))


# --------------------------------------------------------------------------- seed data


def _types():
    return {t["code"]: t for t in seed_data.QUALIFICATION_TYPES}


def test_regions():
    codes = [r["code"] for r in REGIONS]
    assert len(codes) == len(set(codes)) == 14
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    by_code = {r["code"]: r for r in REGIONS}
    assert by_code["360900"]["level"] == "city" and by_code["360900"]["parent_code"] is None
    assert sum(r["level"] == "county" for r in REGIONS) == 10
    assert sum(r["level"] == "zone" for r in REGIONS) == 3
    for r in REGIONS:
        if r["level"] != "city":
            assert r["parent_code"] == "360900"


def test_qualification_types():
    types = seed_data.QUALIFICATION_TYPES
    assert len(types) >= 15
    codes = [t["code"] for t in types]
    assert len(codes) == len(set(codes))
    for t in types:
        assert re.fullmatch(r"[a-z0-9_-]+", t["code"]) and len(t["code"]) <= 40
        assert t["name"] and t["issuer"]
        assert t["grades"] and len(t["grades"]) == len(set(t["grades"]))
        assert "note" in t


def test_catalogue_items_refer_to_existing_types_and_grades():
    types = _types()
    items = seed_data.CATALOGUE
    assert len(items) >= 24
    codes = [i["code"] for i in items]
    assert len(codes) == len(set(codes))
    for item in items:
        assert re.fullmatch(r"ZJ-\d{3}", item["code"])
        for key in ("name", "approval", "legal_basis", "result_document", "fee_basis"):
            assert item[key], (item["code"], key)
        assert "《" in item["legal_basis"]
        assert item["qualification_code"] in types, item["code"]
        if item["min_grade"]:
            assert item["min_grade"] in types[item["qualification_code"]]["grades"], item["code"]


def test_demo_intermediaries_well_formed():
    types = _types()
    firms = seed_data.DEMO_INTERMEDIARIES
    assert len(firms) >= 16
    usccs = [f["uscc"] for f in firms]
    assert len(usccs) == len(set(usccs))
    for f in firms:
        assert uscc_is_valid(f["uscc"]), f["name"]
        assert f["uscc"][:2] == "91"
        assert f["email"].endswith("@example.com")
        assert f["staff"]
        for q in f["qualifications"]:
            assert q["type_code"] in types, (f["name"], q["type_code"])
            assert q["grade"] in types[q["type_code"]]["grades"], (f["name"], q)
            dt.date.fromisoformat(q["valid_until"])
    # Some certificates have expired or expire soon, for the demo.
    dates = [dt.date.fromisoformat(q["valid_until"]) for f in firms for q in f["qualifications"]]
    assert any(d < AS_OF for d in dates)
    assert any(AS_OF <= d < AS_OF + dt.timedelta(days=90) for d in dates)
    # Several firms hold several types.
    assert sum(len({q["type_code"] for q in f["qualifications"]}) >= 3 for f in firms) >= 5


def test_usernames_unique_and_regions_exist():
    regions = {r["code"] for r in REGIONS}
    users = (
        [o["username"] for o in seed_data.DEMO_OWNERS]
        + [f["username"] for f in seed_data.DEMO_INTERMEDIARIES]
        + [b["username"] for b in seed_data.DEMO_BUREAU]
    )
    assert len(users) == len(set(users))
    assert all(re.fullmatch(r"[a-z0-9_]+", u) for u in users)
    for o in seed_data.DEMO_OWNERS:
        assert o["region_code"] in regions
        assert re.fullmatch(r"0795-\d{7}", o["phone"])
    assert len(seed_data.DEMO_OWNERS) >= 8
    assert len({o["region_code"] for o in seed_data.DEMO_OWNERS}) >= 6
    assert [b["region_code"] for b in seed_data.DEMO_BUREAU] == ["360900", "360982", "360983"]


def _eligible(item, as_of=AS_OF):
    grades = _types()[item["qualification_code"]]["grades"]
    need = grades.index(item["min_grade"]) if item["min_grade"] else 0
    eligible = []
    for f in seed_data.DEMO_INTERMEDIARIES:
        for q in f["qualifications"]:
            if (
                q["type_code"] == item["qualification_code"]
                and grades.index(q["grade"]) >= need
                and dt.date.fromisoformat(q["valid_until"]) >= as_of
            ):
                eligible.append(f["uscc"])
                break
    return eligible


@pytest.mark.parametrize("item", seed_data.CATALOGUE, ids=lambda i: i["code"])
def test_each_catalogue_item_has_enough_eligible_demo_firms(item):
    assert len(_eligible(item)) >= MIN_REGISTRANTS, item["name"]
