/*
 * Verifier of random-draw records, recipe YCZJCS-DRAW-v1 (a fixed public contract).
 *
 * The same checks, under the same names, as bidding/draw.py and tools/verify_draw.py:
 *   algorithm   the record names YCZJCS-DRAW-v1
 *   format      field types, 64-hex strings, drawn_at ISO 8601 with offset, valid unified
 *               social credit codes (GB 32100-2015), pool sorted without duplicates,
 *               no excluded code in the pool
 *   commitment  sha256(nonce) == commitment
 *   pool_hash   sha256(sorted pool joined with "\n")
 *   seed        sha256("YCZJCS-DRAW-v1|" + request_code + "|" + pool_hash + "|" + nonce)
 *   ranking     sha256(seed bytes + code) per code, ordered by (score, code)
 * The recipe's hashes do not cover `excluded` and `drawn_at`; only `format` guards them.
 *
 * No dependencies, ES2017. Hashing uses WebCrypto (crypto.subtle.digest); pages served over
 * plain HTTP have no crypto.subtle (it needs a secure context), so a small built-in SHA-256
 * is used there instead.
 *
 * API: verifyDrawRecord(record) -> Promise<{ok, checks: [{name, label, ok, detail}], winner}>,
 * on `window` in a browser and via `module.exports` in Node.
 *
 * Auto-init: every `[data-draw-verify]` element is a panel. Its `data-record` attribute is the
 * id of a <script type="application/json"> holding the record. The panel is verified once on
 * load and whenever a `[data-verify-button]` inside it is clicked; the outcome is rendered
 * into its `[data-verify-result]` element, whose summary element carries
 * data-verify-ok="true" | "false".
 */
(function (root, factory) {
  "use strict";
  const api = factory(root);
  if (typeof module === "object" && module && module.exports) {
    module.exports = api;
  }
  if (typeof window !== "undefined") {
    window.verifyDrawRecord = api.verifyDrawRecord;
    window.YczjcsDrawVerifier = api;
    api.autoInit(window.document);
  }
})(typeof globalThis !== "undefined" ? globalThis : this, function (root) {
  "use strict";

  const ALGORITHM = "YCZJCS-DRAW-v1";
  const USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const CHECK_LABELS = {
    algorithm: "算法",
    format: "格式",
    commitment: "承诺值校验",
    pool_hash: "报名池哈希",
    seed: "种子",
    ranking: "排序",
  };
  const CHECK_NAMES = Object.keys(CHECK_LABELS);
  const HEX64 = /^[0-9a-f]{64}$/;
  const ISO_DATETIME = new RegExp(
    "^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\\.[0-9]{1,9})?" +
      "(?:Z|[+-]([0-9]{2}):([0-9]{2}))$"
  );
  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const MAX_FORMAT_PROBLEMS = 5;

  // ------------------------------------------------------------------------- bytes & hashing

  const encoder = new TextEncoder();

  function utf8(text) {
    return encoder.encode(text);
  }

  function hexToBytes(hex) {
    const bytes = new Uint8Array(hex.length / 2);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    }
    return bytes;
  }

  function bytesToHex(bytes) {
    let hex = "";
    for (let i = 0; i < bytes.length; i++) {
      hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return hex;
  }

  function concatBytes(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  // SHA-256 round constants (FIPS 180-4, 4.2.2) and initial hash value (5.3.3).
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const H0 = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ];

  function ror(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  /** Plain-JS SHA-256 of a Uint8Array, for pages without WebCrypto. */
  function sha256Portable(data) {
    const blocks = Math.ceil((data.length + 9) / 64);
    const padded = new Uint8Array(blocks * 64);
    padded.set(data);
    padded[data.length] = 0x80;
    const view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(data.length / 0x20000000));
    view.setUint32(padded.length - 4, (data.length * 8) >>> 0);
    const hash = new Uint32Array(H0);
    const w = new Uint32Array(64);
    for (let offset = 0; offset < padded.length; offset += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
      }
      let [a, b, c, d, e, f, g, h] = hash;
      for (let i = 0; i < 64; i++) {
        const sigma1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25);
        const choose = (e & f) ^ (~e & g);
        const t1 = (h + sigma1 + choose + K[i] + w[i]) | 0;
        const sigma0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22);
        const majority = (a & b) ^ (a & c) ^ (b & c);
        const t2 = (sigma0 + majority) | 0;
        h = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      hash[0] += a;
      hash[1] += b;
      hash[2] += c;
      hash[3] += d;
      hash[4] += e;
      hash[5] += f;
      hash[6] += g;
      hash[7] += h;
    }
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    hash.forEach((word, i) => outView.setUint32(i * 4, word));
    return out;
  }

  /** SHA-256 of a Uint8Array as lower-case hex; WebCrypto when the page has it. */
  async function sha256Hex(bytes) {
    const subtle = root.crypto && root.crypto.subtle;
    if (subtle && typeof subtle.digest === "function") {
      return bytesToHex(new Uint8Array(await subtle.digest("SHA-256", bytes)));
    }
    return bytesToHex(sha256Portable(bytes));
  }

  // ------------------------------------------------------------------------- recipe

  /** Compare strings by Unicode code point, as Python does (JS `<` compares UTF-16 units). */
  function compareCodePoints(a, b) {
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      const x = a.codePointAt(i);
      const y = b.codePointAt(j);
      if (x !== y) return x < y ? -1 : 1;
      i += x > 0xffff ? 2 : 1;
      j += y > 0xffff ? 2 : 1;
    }
    return (a.length - i > 0 ? 1 : 0) - (b.length - j > 0 ? 1 : 0);
  }

  function poolHash(codes) {
    return sha256Hex(utf8(codes.slice().sort(compareCodePoints).join("\n")));
  }

  function deriveSeed(requestCode, poolHashHex, nonceHex) {
    return sha256Hex(utf8(ALGORITHM + "|" + requestCode + "|" + poolHashHex + "|" + nonceHex));
  }

  async function rank(seedHex, codes) {
    const seedBytes = hexToBytes(seedHex);
    const scored = [];
    for (const code of codes) {
      scored.push({ code: code, score: await sha256Hex(concatBytes(seedBytes, utf8(code))) });
    }
    scored.sort((x, y) =>
      x.score !== y.score ? (x.score < y.score ? -1 : 1) : compareCodePoints(x.code, y.code)
    );
    return scored;
  }

  /** GB 32100-2015 unified social credit code, check character included. */
  function usccIsValid(code) {
    if (typeof code !== "string" || code.length !== 18) return false;
    let total = 0;
    for (let i = 0; i < 18; i++) {
      const value = USCC_CHARSET.indexOf(code[i]);
      if (value < 0) return false;
      if (i < 17) total += value * USCC_WEIGHTS[i];
    }
    return USCC_CHARSET[(31 - (total % 31)) % 31] === code[17];
  }

  // ------------------------------------------------------------------------- checks

  function get(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function isHex64(value) {
    return typeof value === "string" && HEX64.test(value);
  }

  function isText(value) {
    return typeof value === "string" && value.length > 0 && !LONE_SURROGATE.test(value);
  }

  function isIsoDatetimeWithOffset(value) {
    if (typeof value !== "string") return false;
    const m = ISO_DATETIME.exec(value);
    if (!m) return false;
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
    const offsetHours = Number(m[7] || 0);
    const offsetMinutes = Number(m[8] || 0);
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
    return (
      year >= 1 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= daysInMonth &&
      hour <= 23 &&
      minute <= 59 &&
      second <= 59 &&
      offsetHours <= 23 &&
      offsetMinutes <= 59
    );
  }

  function check(name, ok, detail) {
    return { name: name, label: CHECK_LABELS[name], ok: ok, detail: detail };
  }

  function cannotCheck(name, fields) {
    return check(name, false, "无法校验：" + fields + " 格式错误 / cannot check: " + fields + " malformed");
  }

  function formatProblems(record) {
    const problems = [];
    if (typeof get(record, "algorithm") !== "string") {
      problems.push("algorithm 缺失或不是字符串 / algorithm missing or not a string");
    }
    if (!isText(get(record, "request_code"))) {
      problems.push("request_code 缺失或为空 / request_code missing or empty");
    }
    for (const field of ["commitment", "nonce", "pool_hash", "seed"]) {
      if (!isHex64(get(record, field))) {
        problems.push(field + " 不是64位小写十六进制 / " + field + " is not 64 lower-case hex");
      }
    }

    let pool = get(record, "pool");
    if (!Array.isArray(pool) || pool.length === 0) {
      problems.push("pool 缺失或为空 / pool missing or empty");
      pool = [];
    }
    pool.forEach((code, index) => {
      if (!usccIsValid(code)) problems.push("pool[" + index + "] 统一社会信用代码无效 / invalid USCC");
    });
    for (let index = 1; index < pool.length; index++) {
      const previous = pool[index - 1];
      const code = pool[index];
      const bothText = typeof previous === "string" && typeof code === "string";
      if (bothText && compareCodePoints(previous, code) >= 0) {
        problems.push("pool[" + index + "] 未升序或重复 / pool not sorted ascending or has duplicates");
        break;
      }
    }

    let excluded = get(record, "excluded");
    if (!Array.isArray(excluded)) {
      problems.push("excluded 缺失或不是列表 / excluded missing or not a list");
      excluded = [];
    }
    const poolCodes = new Set(pool.filter((code) => typeof code === "string"));
    excluded.forEach((entry, index) => {
      if (!isObject(entry)) {
        problems.push("excluded[" + index + "] 不是对象 / not an object");
        return;
      }
      const code = get(entry, "code");
      if (!usccIsValid(code)) {
        problems.push("excluded[" + index + "] 统一社会信用代码无效 / invalid USCC");
      } else if (poolCodes.has(code)) {
        problems.push("excluded[" + index + "] 出现在报名池中 / excluded code is in the pool");
      }
      if (!isText(get(entry, "reason"))) {
        problems.push("excluded[" + index + "] 缺少排除原因 / reason missing");
      }
    });

    let ranking = get(record, "ranking");
    if (!Array.isArray(ranking)) {
      problems.push("ranking 缺失或不是列表 / ranking missing or not a list");
      ranking = [];
    }
    ranking.forEach((entry, index) => {
      const wellFormed =
        isObject(entry) && typeof get(entry, "code") === "string" && isHex64(get(entry, "score"));
      if (!wellFormed) {
        problems.push("ranking[" + index + "] 需要 code 和 score / needs code and hex score");
      }
    });

    if (!isIsoDatetimeWithOffset(get(record, "drawn_at"))) {
      problems.push("drawn_at 不是带时区的 ISO 8601 时间 / drawn_at is not ISO 8601 with offset");
    }
    return problems;
  }

  function checkAlgorithm(record) {
    const value = get(record, "algorithm");
    if (value === ALGORITHM) {
      return check("algorithm", true, "算法为 " + ALGORITHM + " / algorithm is " + ALGORITHM);
    }
    const shown = String(JSON.stringify(value)).slice(0, 40);
    return check("algorithm", false, "未知算法 " + shown + " / unknown algorithm " + shown);
  }

  function checkFormat(record) {
    const problems = formatProblems(record);
    if (problems.length === 0) {
      return check("format", true, "字段与代码格式正确 / fields and codes well-formed");
    }
    const shown = problems.slice(0, MAX_FORMAT_PROBLEMS);
    const more = problems.length - shown.length;
    if (more > 0) shown.push("…（另有 " + more + " 项 / " + more + " more）");
    return check("format", false, shown.join("; "));
  }

  async function checkCommitment(record) {
    const nonce = get(record, "nonce");
    if (!isHex64(nonce)) return cannotCheck("commitment", "nonce");
    if ((await sha256Hex(hexToBytes(nonce))) === get(record, "commitment")) {
      return check("commitment", true, "sha256(nonce) 与承诺值一致 / matches the commitment");
    }
    return check("commitment", false, "sha256(nonce) 与承诺值不符 / does not match the commitment");
  }

  async function checkPoolHash(record) {
    const pool = get(record, "pool");
    if (!Array.isArray(pool) || !pool.every(isText)) return cannotCheck("pool_hash", "pool");
    if ((await poolHash(pool)) === get(record, "pool_hash")) {
      return check("pool_hash", true, "报名池哈希一致 / pool_hash matches the pool");
    }
    return check("pool_hash", false, "报名池哈希不符 / pool_hash does not match the pool");
  }

  async function checkSeed(record) {
    const requestCode = get(record, "request_code");
    const publishedPoolHash = get(record, "pool_hash");
    const nonce = get(record, "nonce");
    if (!(isText(requestCode) && isHex64(publishedPoolHash) && isHex64(nonce))) {
      return cannotCheck("seed", "request_code / pool_hash / nonce");
    }
    if ((await deriveSeed(requestCode, publishedPoolHash, nonce)) === get(record, "seed")) {
      return check("seed", true, "种子可由公开数据复算 / seed recomputed");
    }
    return check("seed", false, "种子与复算结果不符 / seed does not match the recomputation");
  }

  async function checkRanking(record) {
    const seed = get(record, "seed");
    const pool = get(record, "pool");
    const published = get(record, "ranking");
    if (!(isHex64(seed) && Array.isArray(pool) && pool.every(isText))) {
      return cannotCheck("ranking", "seed / pool");
    }
    if (!Array.isArray(published)) return cannotCheck("ranking", "ranking");
    const expected = await rank(seed, pool);
    if (published.length !== expected.length) {
      return check(
        "ranking",
        false,
        "排序条数 " + published.length + " ≠ 复算 " + expected.length + " / " +
          published.length + " entries published, " + expected.length + " recomputed"
      );
    }
    for (let i = 0; i < expected.length; i++) {
      const entry = published[i];
      const same =
        isObject(entry) &&
        get(entry, "code") === expected[i].code &&
        get(entry, "score") === expected[i].score;
      if (!same) {
        return check(
          "ranking",
          false,
          "第 " + (i + 1) + " 位与复算不符（应为 " + expected[i].code + "）/ position " + (i + 1) +
            " differs (recomputed " + expected[i].code + ")"
        );
      }
    }
    return check("ranking", true, "排序与复算一致 / ranking recomputed identically");
  }

  /**
   * Verify one draw record. Never rejects for a malformed record: malformed input makes
   * checks fail. Resolves to {ok, checks, winner}; winner is the published first code, only
   * when every check passes (null otherwise).
   */
  async function verifyDrawRecord(record) {
    let checks;
    if (!isObject(record)) {
      const detail = "记录不是 JSON 对象 / record is not a JSON object";
      checks = CHECK_NAMES.map((name) => check(name, false, detail));
    } else {
      checks = [
        checkAlgorithm(record),
        checkFormat(record),
        await checkCommitment(record),
        await checkPoolHash(record),
        await checkSeed(record),
        await checkRanking(record),
      ];
    }
    const ok = checks.every((c) => c.ok);
    return { ok: ok, checks: checks, winner: ok ? record.ranking[0].code : null };
  }

  // ------------------------------------------------------------------------- page panel

  function element(doc, tag, className, text) {
    const node = doc.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render(target, result, names) {
    const doc = target.ownerDocument;
    target.textContent = "";
    const summary = element(doc, "p", "draw-verify-summary");
    summary.setAttribute("data-verify-ok", result.ok ? "true" : "false");
    summary.appendChild(element(doc, "span", "draw-verify-mark", result.ok ? "✓" : "✗"));
    let text;
    if (result.error) {
      text = " 无法读取抽签记录：" + result.error;
    } else if (result.ok) {
      const name = names && names[result.winner];
      text = " 校验通过，中选机构：" + (name ? name + "（" + result.winner + "）" : result.winner);
    } else {
      text = " 校验未通过，请勿采信该抽签结果";
    }
    summary.appendChild(element(doc, "span", "draw-verify-text", text));
    target.appendChild(summary);

    const list = element(doc, "ul", "draw-verify-checks");
    for (const item of result.checks) {
      const row = element(doc, "li", "draw-verify-check " + (item.ok ? "is-ok" : "is-failed"));
      row.setAttribute("data-check", item.name);
      row.setAttribute("data-ok", item.ok ? "true" : "false");
      row.appendChild(element(doc, "span", "draw-verify-mark", item.ok ? "✓" : "✗"));
      const label = " " + item.label + (item.ok ? " 通过" : " 未通过");
      row.appendChild(element(doc, "strong", "draw-verify-label", label));
      row.appendChild(element(doc, "span", "draw-verify-detail", " " + item.detail));
      list.appendChild(row);
    }
    target.appendChild(list);
    target.removeAttribute("aria-busy");
  }

  async function runPanel(panel) {
    const doc = panel.ownerDocument;
    let target = panel.querySelector("[data-verify-result]");
    if (!target) {
      target = panel.appendChild(element(doc, "div", "draw-verify-result"));
      target.setAttribute("data-verify-result", "");
    }
    if (target.getAttribute("aria-live") === null) target.setAttribute("aria-live", "polite");
    const run = (panel.__drawVerifyRun = (panel.__drawVerifyRun || 0) + 1);
    target.textContent = "";
    target.setAttribute("aria-busy", "true");
    let result;
    try {
      const source = doc.getElementById(panel.getAttribute("data-record") || "");
      if (!source) throw new Error("页面上没有记录数据 / record data not found");
      result = await verifyDrawRecord(JSON.parse(source.textContent));
    } catch (error) {
      const message = String((error && error.message) || error);
      result = { ok: false, checks: [], winner: null, error: message };
    }
    let names = null;
    try {
      const namesSource = doc.getElementById(panel.getAttribute("data-names") || "");
      names = namesSource ? JSON.parse(namesSource.textContent) : null;
    } catch (error) {
      names = null; // the code alone still identifies the winner
    }
    if (run === panel.__drawVerifyRun) render(target, result, names);
    return result;
  }

  function bindPanel(panel) {
    if (panel.getAttribute("data-verify-bound") === "true") return;
    panel.setAttribute("data-verify-bound", "true");
    const button = panel.querySelector("[data-verify-button]");
    if (button) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        runPanel(panel);
      });
    }
    runPanel(panel);
  }

  /** Bind every [data-draw-verify] panel of the document (once the DOM is ready). */
  function autoInit(doc) {
    if (!doc || typeof doc.querySelectorAll !== "function") return;
    const start = () => {
      Array.prototype.forEach.call(doc.querySelectorAll("[data-draw-verify]"), bindPanel);
    };
    if (doc.readyState === "loading") {
      doc.addEventListener("DOMContentLoaded", start);
    } else {
      start();
    }
  }

  return {
    ALGORITHM: ALGORITHM,
    CHECK_NAMES: CHECK_NAMES,
    CHECK_LABELS: CHECK_LABELS,
    verifyDrawRecord: verifyDrawRecord,
    usccIsValid: usccIsValid,
    sha256Portable: sha256Portable,
    autoInit: autoInit,
    runPanel: runPanel,
  };
});
