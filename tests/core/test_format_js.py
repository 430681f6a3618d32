"""static/js/money.js is the twin of core/format.py: both give the same answers on the same cases."""

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.format import MoneyParseError, datetime_zh, money_capital, money_number, money_parse
from tests.core.test_format import CAPITALS, PARSED, REFUSED

NODE = shutil.which("node")
SCRIPT = Path(__file__).resolve().parents[2] / "static" / "js" / "money.js"

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (the browser tests cover the twin too)")


def run_js(cases: list) -> list:
    program = (
        f"const YC = require({json.dumps(str(SCRIPT))});\n"
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "const out = cases.map(([fn, arg]) => fn === 'parse' ? YC.money.parse(arg)\n"
        "  : fn === 'capital' ? YC.money.capital(arg) : fn === 'format' ? YC.money.format(arg)\n"
        "  : YC.formatTimeZh(arg, true));\n"
        "process.stdout.write(JSON.stringify(out));\n"
    )
    done = subprocess.run([NODE, "-e", program], input=json.dumps(cases), capture_output=True, text=True, timeout=30,
                          check=True)
    return json.loads(done.stdout)


def python_parse(typed: str) -> dict:
    try:
        return {"ok": True, "value": str(money_parse(typed))}
    except MoneyParseError as exc:
        return {"ok": False, "message": exc.message}


def test_the_js_parser_answers_as_the_python_parser():
    typed = [t for t, _v in PARSED] + [t for t, _m in REFUSED] + ["1,000,000", "99999999999.99", "0.00万"]
    for text, js in zip(typed, run_js([["parse", t] for t in typed])):
        js.pop("fen", None)
        assert js == python_parse(text), text


def test_the_js_capitals_and_thousands_are_the_python_ones():
    values = [v for v, _t in CAPITALS] + ["12345678.9"]
    answers = run_js([["capital", v] for v in values] + [["format", v] for v in values])
    assert answers == [money_capital(v) for v in values] + [money_number(v) for v in values]


def test_the_js_time_is_beijing_time():
    at = datetime(2026, 12, 31, 16, 0, 7, tzinfo=UTC)
    assert run_js([["time", at.isoformat()]]) == [datetime_zh(at, seconds=True)]
