/* 宜春市网上中介服务超市 — amounts as people type and read them: the JavaScript twin of
 * core/format.py (money_parse, money_capital, money_number, datetime_zh), kept in step by
 * tests/core/test_format_js.py, which runs both on the same cases.
 *
 *   YC.money.parse("8.3万")    → { ok: true, value: "83000.00" }
 *   YC.money.parse("8.3k")     → { ok: false, message: "金额只能用“元”或“万”作单位。…" }
 *   YC.money.capital("83000.00") → "捌万叁仟元整"
 *   YC.money.format("83000")   → "83,000.00"
 *   YC.formatTimeZh(iso)        → "2026年12月3日 14:30" (Beijing time)
 *
 * Amounts are handled as whole fen in strings and integers (never floats), so 0.1 + 0.2
 * never happens. Works in browsers and in node (module.exports).
 */
(function (root) {
  "use strict";

  var YC = (root.YC = root.YC || {});
  var MAX_FEN = 10000000000000; // 1,000亿元 in fen, below 2^53
  var HINT = "请填写金额（元），例如 83000、83,000.00 或 8.3万。";
  var DIGITS = "零壹贰叁肆伍陆柒捌玖";
  var SMALL = ["", "拾", "佰", "仟"];
  var GROUPS = ["", "万", "亿", "万亿"];

  function toHalfWidth(s) {
    return s.replace(/[０-９．，]/g, function (ch) {
      if (ch === "．") return ".";
      if (ch === "，") return ",";
      return String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
    });
  }

  /** A decimal string ("8.3", "83000.05") times 10^shift as whole fen, or null if not exact. */
  function fenOf(number, unitShift) {
    var parts = number.split(".");
    var whole = parts[0], frac = parts[1] || "";
    var shift = 2 + unitShift; // fen, plus 4 places for 万
    var extra = frac.slice(shift);
    if (/[^0]/.test(extra)) return null; // finer than a fen
    frac = (frac.slice(0, shift) + "0000000").slice(0, shift);
    var digits = (whole + frac).replace(/^0+(?=\d)/, "");
    if (digits.length > 16) return Infinity;
    return parseInt(digits, 10);
  }

  function fenToString(fen) {
    var yuan = Math.floor(fen / 100), c = fen % 100;
    return String(yuan) + "." + (c < 10 ? "0" : "") + c;
  }

  /** Parse what a person typed; {ok, value (yuan string with 2 decimals)} or {ok: false, message}. */
  function parse(text, label) {
    label = label || "金额";
    if (typeof text !== "string" && typeof text !== "number") return { ok: false, message: "请填写" + label + "。" + HINT };
    var raw = String(text);
    var cleaned = toHalfWidth(raw).replace(/[\s,，]/g, "");
    if (!cleaned) return { ok: false, message: "请填写" + label + "。" + HINT };
    var m = /^(\d+(?:\.\d+)?)(万)?元?$/.exec(cleaned);
    if (!m) {
      if (/[千亿kKwW]/.test(cleaned)) return { ok: false, message: label + "只能用“元”或“万”作单位。" + HINT };
      if (cleaned.charAt(0) === "-") return { ok: false, message: label + "不能为负数。" };
      return { ok: false, message: "无法识别的" + label + "“" + raw.trim().slice(0, 20) + "”。" + HINT };
    }
    var fen = fenOf(m[1], m[2] ? 4 : 0);
    if (fen === null) {
      if (m[2]) return { ok: false, message: label + "精确到分即可：“" + raw.trim().slice(0, 20) + "”折合的元数超过两位小数。" };
      return { ok: false, message: label + "最多保留两位小数（精确到分）。" };
    }
    if (fen > MAX_FEN) return { ok: false, message: label + "不能超过100,000,000,000元。" };
    return { ok: true, value: fenToString(fen), fen: fen };
  }

  function fenOfValue(value) {
    var r = parse(String(value));
    return r.ok ? r.fen : null;
  }

  /** "83000" → "83,000.00"; "" if not an amount. */
  function format(value) {
    var fen = fenOfValue(value);
    if (fen === null) return "";
    var s = fenToString(fen), dot = s.indexOf(".");
    return s.slice(0, dot).replace(/\B(?=(\d{3})+(?!\d))/g, ",") + s.slice(dot);
  }

  function groupCapital(n) {
    var out = "", zero = false;
    for (var pos = 3; pos >= 0; pos--) {
      var d = Math.floor(n / Math.pow(10, pos)) % 10;
      if (d === 0) { zero = out !== ""; continue; }
      if (zero) { out += "零"; zero = false; }
      out += DIGITS.charAt(d) + SMALL[pos];
    }
    return out;
  }

  function integerCapital(n) {
    var groups = [];
    while (n > 0) { groups.push(n % 10000); n = Math.floor(n / 10000); }
    var out = "", needZero = false;
    for (var i = groups.length - 1; i >= 0; i--) {
      var g = groups[i];
      if (g === 0) { needZero = out !== ""; continue; }
      if (out && (needZero || g < 1000)) out += "零";
      out += groupCapital(g) + GROUPS[i];
      needZero = false;
    }
    return out;
  }

  /** An amount in capital numerals (大写): "83000" → "捌万叁仟元整"; "" if not an amount. */
  function capital(value) {
    var fen = fenOfValue(value);
    if (fen === null) return "";
    if (fen === 0) return "零元整";
    var yuan = Math.floor(fen / 100), jiao = Math.floor(fen / 10) % 10, f = fen % 10;
    var text = yuan ? integerCapital(yuan) + "元" : "";
    if (!jiao && !f) return text + "整";
    if (jiao) text += DIGITS.charAt(jiao) + "角";
    else if (yuan) text += "零";
    text += f ? DIGITS.charAt(f) + "分" : "整";
    return text;
  }

  YC.money = { parse: parse, capital: capital, format: format };

  /** An ISO time as "2026年12月3日 14:30" (with seconds: "14:30:05") in Beijing time. */
  YC.formatTimeZh = function (value, withSeconds) {
    var d = value instanceof Date ? value : new Date(value);
    if (isNaN(d.getTime())) return "";
    // Beijing has no daylight saving: UTC+8 all year, whatever the browser's zone.
    var b = new Date(d.getTime() + 8 * 3600 * 1000);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var clock = pad(b.getUTCHours()) + ":" + pad(b.getUTCMinutes()) + (withSeconds ? ":" + pad(b.getUTCSeconds()) : "");
    return b.getUTCFullYear() + "年" + (b.getUTCMonth() + 1) + "月" + b.getUTCDate() + "日 " + clock;
  };

  if (typeof module !== "undefined" && module.exports) module.exports = YC;
})(typeof window !== "undefined" ? window : globalThis);
