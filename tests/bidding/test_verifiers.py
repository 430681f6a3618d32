"""The three verifiers of YCZJCS-DRAW-v1 records agree, and each names the check a tamper breaks.

- ``bidding.draw.verify_record`` (in the platform),
- ``tools/verify_draw.py`` (standard-library command line, run as a subprocess),
- ``bidding/static/bidding/js/verify_draw.js`` (browser, run here under Node's WebCrypto).
"""

import ast
import hashlib
import importlib.util
import json
import random
import shutil
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from functools import cache, partial
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bidding import draw

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "tools" / "verify_draw.py"
JS = REPO / "bidding" / "static" / "bidding" / "js" / "verify_draw.js"
HEX = "0123456789abcdef"

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

POOL = [
    "91360982MAP2DDWPCW",
    "91360921MAHHUEUHQ0",
    "91440300MAQX2GF0K4",
    "91360923MA67M4Q32L",
    "9144030071526726XG",
    "91330100716105852F",
]
EXCLUDED = [
    {"code": "914403001922038216", "reason": "信用受限 credit restriction"},
    {"code": "91360983MA38N5RY1Y", "reason": "资质过期 qualification expired"},
]


def genuine_record():
    nonce = bytes(range(32))
    return draw.build_record(
        request_code="YC-2026-000123",
        nonce=nonce,
        commitment=draw.commitment_of(nonce),
        pool=POOL,
        excluded=EXCLUDED,
        drawn_at=datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=8))),
    )


@cache
def load_cli_module():
    """Import tools/verify_draw.py by path, for in-process parity checks."""
    spec = importlib.util.spec_from_file_location("verify_draw_cli", CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- runners


def run_python(record, tmp_path):
    checks = draw.verify_record(record)
    ok = all(check.ok for check in checks)
    return ok, [(check.name, check.ok) for check in checks], draw.record_winner(record)


def run_cli(record, tmp_path):
    # Wrapped as an API page so that any JSON value is taken as one record.
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"results": [record]}, ensure_ascii=False), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-I", str(CLI), "--json", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        timeout=60,
    )
    output = json.loads(completed.stdout)
    [result] = output["records"]
    assert completed.returncode == (0 if result["ok"] else 1), completed.stderr
    return result["ok"], [(c["name"], c["ok"]) for c in result["checks"]], result["winner"]


JS_BATCH_RUNNER = """
const verifier = require(process.argv[2]);
const records = JSON.parse(require("fs").readFileSync(process.argv[3], "utf8"));
(async () => {
  const results = [];
  for (const record of records) results.push(await verifier.verifyDrawRecord(record));
  process.stdout.write(JSON.stringify(results));
})().catch((error) => { console.error(error); process.exit(3); });
"""


def run_node(tmp_path, script, *args):
    runner = tmp_path / "runner.js"
    runner.write_text(script, encoding="utf-8")
    completed = subprocess.run(
        ["node", str(runner), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def run_js_batch(records, tmp_path):
    path = tmp_path / "records.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return run_node(tmp_path, JS_BATCH_RUNNER, JS, path)


def run_js(record, tmp_path):
    [result] = run_js_batch([record], tmp_path)
    return result["ok"], [(c["name"], c["ok"]) for c in result["checks"]], result["winner"]


@pytest.fixture(
    params=[
        pytest.param(run_python, id="python"),
        pytest.param(run_cli, id="cli"),
        pytest.param(run_js, id="js", marks=needs_node),
    ]
)
def verify(request, tmp_path):
    """A verifier under test: record -> (ok, [(check name, ok)], winner)."""
    return partial(request.param, tmp_path=tmp_path)


# --------------------------------------------------------------------------- tampering


def change_char(text, index, alphabet):
    """Replace text[index] by the next character of ``alphabet``: a one-byte change."""
    current = text[index]
    replacement = alphabet[(alphabet.index(current) + 1) % len(alphabet)]
    return text[:index] + replacement + text[index + 1 :]


def tamper(field):
    """Return a copy of the genuine record with one character of ``field`` changed."""
    record = genuine_record()
    if field == "algorithm":
        record["algorithm"] = "YCZJCS-DRAW-v2"
    elif field == "request_code":
        record["request_code"] = "YC-2026-000124"
    elif field in ("commitment", "nonce", "pool_hash", "seed"):
        record[field] = change_char(record[field], 10, HEX)
    elif field == "pool":
        record["pool"][1] = change_char(record["pool"][1], 17, draw.USCC_CHARSET)
    elif field == "excluded":
        record["excluded"][0]["code"] = change_char(
            record["excluded"][0]["code"], 12, draw.USCC_CHARSET
        )
    elif field == "ranking":
        record["ranking"][0]["score"] = change_char(record["ranking"][0]["score"], 63, HEX)
    elif field == "drawn_at":
        assert record["drawn_at"] == "2026-03-02T10:00:00+08:00"
        record["drawn_at"] = "2026-13-02T10:00:00+08:00"  # month "03" -> "13"
    else:
        raise AssertionError(field)
    return record


# Each check compares a field with a recomputation from the *published* inputs it depends on,
# so the failures stay next to the changed field.
EXPECTED_FAILURES = {
    "algorithm": {"algorithm"},
    "request_code": {"seed"},
    "commitment": {"commitment"},
    "nonce": {"commitment", "seed"},
    "pool": {"format", "pool_hash", "ranking"},
    "pool_hash": {"pool_hash", "seed"},
    "excluded": {"format"},
    "seed": {"seed", "ranking"},
    "ranking": {"ranking"},
    "drawn_at": {"format"},
}


def test_genuine_record_passes_every_verifier(verify):
    ok, checks, winner = verify(genuine_record())
    assert ok
    assert checks == [(name, True) for name in draw.CHECK_NAMES]
    assert winner == genuine_record()["ranking"][0]["code"]


@pytest.mark.parametrize("field", list(EXPECTED_FAILURES))
def test_a_one_character_change_fails_the_expected_checks(verify, field):
    ok, checks, winner = verify(tamper(field))
    failed = {name for name, passed in checks if not passed}
    assert not ok
    assert winner is None
    assert failed == EXPECTED_FAILURES[field]
    assert [name for name, _ in checks] == list(draw.CHECK_NAMES)


def _swap_ranking(record):
    record["ranking"][0], record["ranking"][1] = record["ranking"][1], record["ranking"][0]


def _unsort_pool(record):
    record["pool"][0], record["pool"][1] = record["pool"][1], record["pool"][0]


def _drop_last_ranked(record):
    record["ranking"].pop()


def _exclude_a_pool_member(record):
    record["excluded"].append({"code": record["pool"][0], "reason": "回避 conflict of interest"})


def _upper_case_commitment(record):
    record["commitment"] = record["commitment"].upper()


def _remove_seed(record):
    del record["seed"]


def _drop_a_firm_and_rehash(record):
    # A forger who removes a firm and recomputes the pool hash still breaks the seed.
    record["pool"].remove(record["ranking"][0]["code"])
    record["pool_hash"] = draw.pool_hash(record["pool"])


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(_swap_ranking, {"ranking"}, id="swap-winner-and-first-substitute"),
        pytest.param(_unsort_pool, {"format"}, id="pool-not-sorted"),
        pytest.param(_drop_last_ranked, {"ranking"}, id="ranking-missing-an-entry"),
        pytest.param(_exclude_a_pool_member, {"format"}, id="excluded-firm-in-pool"),
        pytest.param(_upper_case_commitment, {"format", "commitment"}, id="upper-case-hex"),
        pytest.param(_remove_seed, {"format", "seed", "ranking"}, id="missing-field"),
        pytest.param(_drop_a_firm_and_rehash, {"seed", "ranking"}, id="drop-firm-and-rehash"),
    ],
)
def test_structural_tampering_fails_the_expected_checks(verify, mutate, expected):
    record = genuine_record()
    mutate(record)
    ok, checks, _ = verify(record)
    assert not ok
    assert {name for name, passed in checks if not passed} == expected


@pytest.mark.parametrize("document", [[], "a string", None, 42])
def test_a_record_that_is_not_an_object_fails_everything(verify, document):
    ok, checks, winner = verify(document)
    assert not ok and winner is None
    assert checks == [(name, False) for name in draw.CHECK_NAMES]


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(
            lambda r: r["excluded"][0].update(reason="资质过期 qualification expired"), id="reason"
        ),
        pytest.param(
            lambda r: r.update(drawn_at="2026-03-03T10:00:00+08:00"), id="drawn-at-valid-day"
        ),
    ],
)
def test_known_limit_fields_outside_the_hashes(verify, mutate):
    """The recipe does not hash ``excluded`` or ``drawn_at``: a change that keeps them
    well-formed cannot be detected from the record alone (see verify_record's docstring)."""
    record = genuine_record()
    mutate(record)
    assert verify(record)[0] is True


# --------------------------------------------------------------------------- parity


def _paths(value, prefix=()):
    """Every path (tuple of keys and indices) inside a JSON value."""
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        yield prefix + (key,)
        yield from _paths(child, prefix + (key,))


def _random_mutation(record, rng):
    """One random edit of a record: a character, a type, a deletion or an emptied value."""
    paths = list(_paths(record))
    if not paths:
        return record
    path = rng.choice(paths)
    parent = record
    for key in path[:-1]:
        parent = parent[key]
    value = parent[path[-1]]
    kind = rng.choice(["char", "char", "char", "type", "delete", "empty"])
    if kind == "char" and isinstance(value, str) and value:
        index = rng.randrange(len(value))
        new_char = rng.choice("0123456789abcdefABCDEFXYZ-|:+ 中\n")
        parent[path[-1]] = value[:index] + new_char + value[index + 1 :]
    elif kind == "type":
        parent[path[-1]] = rng.choice([None, 0, 1.5, True, [], {}, [value], {"v": value}])
    elif kind == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = type(value)() if isinstance(value, (str, list, dict)) else None
    return record


def _random_mutations(count):
    rng = random.Random(20260302)
    records = [genuine_record()]
    for _ in range(count):
        record = genuine_record()
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            record = _random_mutation(record, rng)
        records.append(record)
    return records


def test_python_and_cli_module_agree_on_random_tampering():
    cli = load_cli_module()
    for record in _random_mutations(400):
        expected = [(c.name, c.ok) for c in draw.verify_record(record)]
        assert [(c.name, c.ok) for c in cli.verify_record(record)] == expected, record


@settings(deadline=None, max_examples=200)
@given(
    overrides=st.dictionaries(
        st.sampled_from(list(genuine_record())),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=70),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(
                    st.sampled_from(["code", "reason", "score", "x"]), inner, max_size=3
                )
            ),
            max_leaves=8,
        ),
        max_size=3,
    )
)
def test_python_and_cli_module_agree_on_arbitrary_values(overrides):
    cli = load_cli_module()
    record = {**genuine_record(), **overrides}
    assert [(c.name, c.ok) for c in cli.verify_record(record)] == [
        (c.name, c.ok) for c in draw.verify_record(record)
    ]


@needs_node
def test_python_and_js_agree_on_random_tampering(tmp_path):
    records = _random_mutations(300)
    results = run_js_batch(records, tmp_path)
    assert results[0]["ok"] is True
    for record, result in zip(records, results, strict=True):
        expected = [(c.name, c.ok) for c in draw.verify_record(record)]
        assert [(c["name"], c["ok"]) for c in result["checks"]] == expected, record
        assert result["winner"] == draw.record_winner(record)


DRAWN_AT_VALUES = {
    "2026-03-02T10:00:00+08:00": True,
    "2026-03-02T10:00:00.123456+08:00": True,
    "2026-03-02T02:00:00Z": True,
    "2024-02-29T23:59:59-05:30": True,
    "2026-03-02 10:00:00+08:00": False,  # space instead of T
    "2026-03-02T10:00:00": False,  # no offset
    "2026-02-29T10:00:00+08:00": False,  # not a leap year
    "2026-03-02T24:00:00+08:00": False,
    "2026-03-02T10:00:60+08:00": False,
    "2026-03-02T10:00:00x123+08:00": False,
    "2026-03-02T10:00:00+0800": False,
    "2026-03-02T10:00:00+24:00": False,
    "0000-01-01T00:00:00Z": False,
    "2026-03-02t10:00:00z": False,
    "２０２６-03-02T10:00:00+08:00": False,  # full-width digits
    "2026-03-02T10:00:00+08:00\n": False,
}


def test_drawn_at_format_is_judged_alike_everywhere(tmp_path):
    records = [{**genuine_record(), "drawn_at": value} for value in DRAWN_AT_VALUES]
    expected = list(DRAWN_AT_VALUES.values())
    cli = load_cli_module()
    assert [all(c.ok for c in draw.verify_record(r)) for r in records] == expected
    assert [all(c.ok for c in cli.verify_record(r)) for r in records] == expected
    if shutil.which("node"):
        assert [result["ok"] for result in run_js_batch(records, tmp_path)] == expected


# --------------------------------------------------------------------------- the command line


def run_cli_process(*args, stdin=None, cwd=None):
    return subprocess.run(
        [sys.executable, "-I", str(CLI), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        timeout=60,
    )


def test_cli_prints_ticks_and_the_winner(tmp_path):
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(genuine_record(), ensure_ascii=False), encoding="utf-8")
    completed = run_cli_process(path, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    for name in draw.CHECK_NAMES:
        assert f"✓ {name}" in completed.stdout
    assert f"winner: {genuine_record()['ranking'][0]['code']}" in completed.stdout


def test_cli_names_the_failed_check_and_exits_1(tmp_path):
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(tamper("nonce")), encoding="utf-8")
    completed = run_cli_process(path, cwd=tmp_path)
    assert completed.returncode == 1
    assert "✗ commitment" in completed.stdout
    assert "✓ pool_hash" in completed.stdout
    assert "winner not established" in completed.stdout


def test_cli_reads_stdin_and_api_shapes(tmp_path):
    genuine, forged = genuine_record(), tamper("seed")
    page = {"count": 2, "next": None, "previous": None, "results": [genuine, forged]}
    completed = run_cli_process("--json", "-", stdin=json.dumps(page), cwd=tmp_path)
    assert completed.returncode == 1
    output = json.loads(completed.stdout)
    assert [record["ok"] for record in output["records"]] == [True, False]

    completed = run_cli_process("-", stdin=json.dumps({"draw": genuine}), cwd=tmp_path)
    assert completed.returncode == 0, completed.stdout

    completed = run_cli_process("-", stdin=json.dumps([genuine, genuine]), cwd=tmp_path)
    assert completed.returncode == 0
    assert completed.stdout.count("winner:") == 2


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b'{"results": []}', b"[]", b'"just a string"', b"\xff\xfe\x00"],
    ids=["bad-json", "empty", "empty-page", "empty-list", "string", "bad-bytes"],
)
def test_cli_exits_2_on_unreadable_input(tmp_path, content):
    path = tmp_path / "draw.json"
    path.write_bytes(content)
    completed = run_cli_process(path, cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr


def test_cli_exits_2_on_a_missing_file(tmp_path):
    assert run_cli_process(tmp_path / "nope.json", cwd=tmp_path).returncode == 2


@pytest.fixture
def http_root(tmp_path):
    """Serve tmp_path over HTTP on localhost; yields the base URL."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_cli_fetches_a_url(tmp_path, http_root):
    (tmp_path / "draws.json").write_text(
        json.dumps({"results": [genuine_record()]}), encoding="utf-8"
    )
    completed = run_cli_process(f"{http_root}/draws.json", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert run_cli_process(f"{http_root}/missing.json", cwd=tmp_path).returncode == 2


def test_cli_uses_the_standard_library_only():
    tree = ast.parse(CLI.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


# --------------------------------------------------------------------------- the browser script


@needs_node
def test_js_portable_sha256_matches_hashlib(tmp_path):
    rng = random.Random(7)
    inputs = [bytes(rng.randrange(256) for _ in range(n)) for n in [*range(0, 140), 1000, 4096]]
    script = """
    const { sha256Portable } = require(process.argv[2]);
    const inputs = JSON.parse(require("fs").readFileSync(process.argv[3], "utf8"));
    const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    const digest = (h) => hex(sha256Portable(Buffer.from(h, "hex")));
    process.stdout.write(JSON.stringify(inputs.map(digest)));
    """
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps([data.hex() for data in inputs]))
    assert run_node(tmp_path, script, JS, path) == [
        hashlib.sha256(data).hexdigest() for data in inputs
    ]


@needs_node
def test_js_verifies_without_webcrypto(tmp_path):
    """Pages served over plain HTTP have no crypto.subtle; the built-in SHA-256 takes over."""
    script = """
    Object.defineProperty(globalThis, "crypto", { value: undefined, configurable: true });
    const verifier = require(process.argv[2]);
    const records = JSON.parse(require("fs").readFileSync(process.argv[3], "utf8"));
    Promise.all(records.map(verifier.verifyDrawRecord))
      .then((results) => process.stdout.write(JSON.stringify(results)));
    """
    path = tmp_path / "records.json"
    path.write_text(
        json.dumps([genuine_record(), tamper("nonce")], ensure_ascii=False), encoding="utf-8"
    )
    genuine, forged = run_node(tmp_path, script, JS, path)
    assert genuine["ok"] is True
    assert {c["name"] for c in forged["checks"] if not c["ok"]} == EXPECTED_FAILURES["nonce"]


FAKE_DOM_RUNNER = r"""
// A minimal DOM, just what verify_draw.js touches, to exercise its page panel in Node.
class Element {
  constructor(doc, tag, attrs = {}) {
    Object.assign(this, { ownerDocument: doc, tagName: tag, attrs: { ...attrs } });
    Object.assign(this, { children: [], listeners: {}, className: "", text: "" });
  }
  getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; }
  setAttribute(n, v) { this.attrs[n] = String(v); }
  removeAttribute(n) { delete this.attrs[n]; }
  appendChild(child) { this.children.push(child); return child; }
  get textContent() { return this.text + this.children.map((c) => c.textContent).join(""); }
  set textContent(v) { this.text = String(v); this.children = []; }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  click() { for (const fn of this.listeners.click || []) fn({ preventDefault() {} }); }
  *descendants() { for (const c of this.children) { yield c; yield* c.descendants(); } }
  querySelectorAll(selector) {
    const [, name, value] = /^\[([\w-]+)(?:="([^"]*)")?\]$/.exec(selector);
    const matches = (e) => name in e.attrs && (value === undefined || e.attrs[name] === value);
    return [...this.descendants()].filter(matches);
  }
  querySelector(selector) { return this.querySelectorAll(selector)[0] || null; }
}
const document = { readyState: "complete" };
document.body = new Element(document, "body");
document.createElement = (tag) => new Element(document, tag);
document.querySelectorAll = (s) => document.body.querySelectorAll(s);
document.getElementById = (id) => document.body.querySelector(`[id="${id}"]`);
const el = (parent, tag, attrs) => parent.appendChild(new Element(document, tag, attrs));

const [scriptPath, recordsPath] = process.argv.slice(2);
const [genuine, forged] = JSON.parse(require("fs").readFileSync(recordsPath, "utf8"));
const id = "draw-record";
const data = el(document.body, "script", { id, type: "application/json" });
data.textContent = JSON.stringify(genuine);
const panel = el(document.body, "section", { "data-draw-verify": "", "data-record": id });
const button = el(panel, "button", { "data-verify-button": "" });
const result = el(panel, "div", { "data-verify-result": "" });
const broken = el(document.body, "section", { "data-draw-verify": "", "data-record": "nowhere" });
el(broken, "div", { "data-verify-result": "" });

async function settled(element) {
  for (let i = 0; i < 500; i++) {
    if (element.querySelector("[data-verify-ok]")) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("no [data-verify-ok] rendered");
}
function snapshot(element) {
  const rows = element.querySelectorAll("[data-check]");
  return {
    ok: element.querySelector("[data-verify-ok]").getAttribute("data-verify-ok"),
    text: element.textContent,
    checks: rows.map((row) => [row.getAttribute("data-check"), row.getAttribute("data-ok")]),
  };
}

globalThis.window = { document };
const api = require(scriptPath);
(async () => {
  const out = { exported: window.verifyDrawRecord === api.verifyDrawRecord };
  await settled(result);
  out.onLoad = snapshot(result);
  await settled(broken);
  out.broken = snapshot(broken);
  data.textContent = JSON.stringify(forged);
  button.click();
  await settled(result);
  out.afterClick = snapshot(result);
  process.stdout.write(JSON.stringify(out));
})().catch((error) => { console.error(error); process.exit(3); });
"""


@needs_node
def test_js_page_panel_renders_ticks_and_the_overall_flag(tmp_path):
    path = tmp_path / "records.json"
    path.write_text(
        json.dumps([genuine_record(), tamper("pool_hash")], ensure_ascii=False), encoding="utf-8"
    )
    out = run_node(tmp_path, FAKE_DOM_RUNNER, JS, path)
    assert out["exported"] is True

    assert out["onLoad"]["ok"] == "true"
    assert out["onLoad"]["checks"] == [[name, "true"] for name in draw.CHECK_NAMES]
    for label in ("算法", "格式", "承诺值校验", "报名池哈希", "种子", "排序"):
        assert f"✓ {label}" in out["onLoad"]["text"]
    assert genuine_record()["ranking"][0]["code"] in out["onLoad"]["text"]

    assert out["afterClick"]["ok"] == "false"
    failed = {name for name, ok in out["afterClick"]["checks"] if ok == "false"}
    assert failed == EXPECTED_FAILURES["pool_hash"]
    assert "✗ 报名池哈希" in out["afterClick"]["text"]

    assert out["broken"]["ok"] == "false"
    assert out["broken"]["checks"] == []


# --------------------------------------------------------------------------- USCC (GB 32100-2015)

VALID_USCC = [
    "914403001922038216",  # codes as printed on large companies' business licences
    "9144030071526726XG",
    "91330100716105852F",
    "91360983MA38N5RY1Y",  # Yichun-style codes, check characters computed with Node
    "91360982MAP2DDWPCW",
    "91360921MAHHUEUHQ0",
]
INVALID_USCC = [
    "914403001922038217",  # wrong check character
    "9144030071526726XH",  # wrong check character
    "91330100716105852f",  # lower case
    "91330100716105852",  # 17 characters
    "91330100716105852FF",  # 19 characters
    "9133010071610585IF",  # I is not in the alphabet
    "91360983MA38N5RO1Y",  # O is not in the alphabet
    "",
    None,
    913301007161058520,
]


@pytest.mark.parametrize("code", VALID_USCC)
def test_uscc_is_valid_accepts_good_codes(code):
    assert draw.uscc_is_valid(code)
    assert load_cli_module().uscc_is_valid(code)


@pytest.mark.parametrize("code", INVALID_USCC)
def test_uscc_is_valid_rejects_bad_codes(code):
    assert not draw.uscc_is_valid(code)
    assert not load_cli_module().uscc_is_valid(code)


def test_uscc_check_character_maps_31_to_0():
    # The weighted sum of this body is 1457 = 47 * 31, so 31 - 0 = 31, which maps to "0"
    # (found with an independent Node implementation).
    assert draw.uscc_check_char("91360900MA3500024") == "0"
    assert draw.uscc_is_valid("91360900MA35000240")
    assert load_cli_module().uscc_is_valid("91360900MA35000240")


@needs_node
def test_js_uscc_agrees(tmp_path):
    script = """
    const { usccIsValid } = require(process.argv[2]);
    const codes = JSON.parse(require("fs").readFileSync(process.argv[3], "utf8"));
    process.stdout.write(JSON.stringify(codes.map(usccIsValid)));
    """
    path = tmp_path / "codes.json"
    path.write_text(json.dumps(VALID_USCC + INVALID_USCC))
    assert run_node(tmp_path, script, JS, path) == [True] * len(VALID_USCC) + [False] * len(
        INVALID_USCC
    )


@settings(deadline=None, max_examples=300)
@given(
    code=st.one_of(
        st.text(alphabet=draw.USCC_CHARSET, min_size=17, max_size=17).map(
            lambda first17: first17 + draw.uscc_check_char(first17)
        ),
        st.text(alphabet=draw.USCC_CHARSET + "IOSVZa -", min_size=16, max_size=19),
    )
)
def test_the_app_and_the_draw_agree_on_uscc(code):
    """A firm the registry accepts must never be refused by the draw, nor the reverse."""
    market_uscc = pytest.importorskip("core.uscc")
    assert market_uscc.uscc_is_valid(code) == draw.uscc_is_valid(code)
