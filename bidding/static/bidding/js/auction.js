/* The live auction room: plain JS over /ws/auctions/<id>/ (protocol in PRODUCT.md).
 *
 * The countdown is clocked by the server: every snapshot and pong carries server_time, and
 * the page keeps offset = server time - local time (corrected by half the round trip), so a
 * wrong local clock does not matter; it recomputes the remaining time from the clock on
 * every tick (never by counting ticks), so a tab that slept shows the right time on waking,
 * and it re-measures the offset and resyncs when the tab becomes visible again.
 * Every message carries a version; a gap makes the page ask for a full snapshot (sync).
 */
(function () {
  "use strict";
  var root = document.getElementById("auction-room");
  if (!root) return;
  var role = root.dataset.role;
  var $ = function (id) { return document.getElementById(id); };
  var STATUS = { scheduled: "未开始", live: "竞价中", closed: "已结束", void: "流标" };
  // The request's status once its auction is over (ServiceRequest.Status labels).
  var REQUEST_AFTER = { closed: ["awaiting_confirmation", "待确认结果"], void: ["failed", "流标"] };
  var YC = window.YC || {};
  var CODES = {
    not_live: "不在竞价时间内", not_eligible: "无出价资格", restricted: "信用受限",
    above_ceiling: "高于最高限价", step_too_small: "降价幅度不足", below_floor: "低于最低有效报价",
    rate_limited: "出价过于频繁", invalid: "报价无效"
  };
  var state = { version: -1, auction: null, bids: [], best: null, you: root.dataset.alias || null };
  var offset = 0, pingSentAt = 0, lastDuePing = 0, ws = null, retry = 0, pending = null, confirming = false;

  function now() { return Date.now() + offset; }
  function cents(s) { return Math.round(parseFloat(s) * 100); }
  function yuan(c) { return (c / 100).toFixed(2); }
  // Amounts with thousands separators; times in Beijing time as a Chinese reader writes them.
  function money(s) { return YC.money ? YC.money.format(s) : s; }
  function fmtTime(iso) { var t = YC.formatTimeZh ? YC.formatTimeZh(iso, true) : iso; return t.split(" ").pop(); }
  function fmtDate(iso) { return YC.formatTimeZh ? YC.formatTimeZh(iso, true) : iso; }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function setClock(serverIso, rtt) {
    offset = new Date(serverIso).getTime() + (rtt || 0) / 2 - Date.now();
  }
  function send(obj) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(obj)); }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + root.dataset.ws);
    ws.onopen = function () {
      retry = 0; $("connection").textContent = "已连接，实时更新中。";
      pingSentAt = Date.now(); send({ type: "ping" });
    };
    ws.onmessage = function (e) {
      var m; try { m = JSON.parse(e.data); } catch (err) { return; }
      handle(m);
    };
    ws.onclose = function () {
      $("connection").textContent = "连接已断开，正在重新连接…";
      var delay = Math.min(10000, 500 * Math.pow(2, retry++));
      setTimeout(connect, delay);
    };
  }

  function handle(m) {
    switch (m.type) {
      case "snapshot":
        setClock(m.server_time, 0);
        state.version = m.version; state.auction = m.auction; state.bids = m.bids; state.best = m.best;
        state.you = m.you ? m.you.alias : state.you;
        drain();
        if (pending) send({ type: "bid", amount: pending.amount, client_id: pending.client_id });  // same answer if it was placed
        render(); break;
      case "result":  // after a snapshot of a closed auction it comes with the snapshot's version
        if (m.version <= state.version) { showResult(m); break; }
        accept(m); break;
      case "bid": case "status":
        accept(m); break;
      case "ack":
        if (pending && pending.client_id === m.client_id) pending = null;
        if (!isOver()) feedback("出价成功（序号 " + m.seq + "）。", false);
        break;
      case "rejected":
        if (pending && pending.client_id === m.client_id) pending = null;
        feedback((CODES[m.code] || "未能出价") + "：" + m.message, true); break;
      case "pong":
        setClock(m.server_time, Date.now() - pingSentAt); break;
    }
  }

  // Versioned events are applied in order. One that comes early (two server processes may
  // publish v6 just before v5) waits in `early`; if the gap is still open after GAP_MS the
  // page asks for a full snapshot (sync), so nothing is ever missed.
  var early = {}, gapTimer = null, GAP_MS = 500;
  function accept(m) {
    if (m.version <= state.version) return;  // already in the snapshot
    early[m.version] = m;
    drain();
  }
  function drain() {
    Object.keys(early).forEach(function (v) { if (+v <= state.version) delete early[v]; });
    while (early[state.version + 1]) {
      var m = early[state.version + 1];
      delete early[state.version + 1];
      state.version = m.version;
      apply(m);
    }
    if (Object.keys(early).length && !gapTimer) {
      gapTimer = setTimeout(function () {
        gapTimer = null;
        if (Object.keys(early).length) { early = {}; send({ type: "sync" }); }
      }, GAP_MS);
    } else if (!Object.keys(early).length && gapTimer) { clearTimeout(gapTimer); gapTimer = null; }
    render();
  }
  function apply(m) {
    if (m.type === "bid") {
      state.bids.push({ seq: m.seq, alias: m.alias, amount: m.amount, at: m.at });
      state.best = { alias: m.alias, amount: m.amount, seq: m.seq };
      state.auction.ends_at = m.ends_at;
    } else if (m.type === "status") {
      state.auction.status = m.status; state.auction.starts_at = m.starts_at; state.auction.ends_at = m.ends_at;
    } else if (m.type === "result") {
      showResult(m);
    }
  }

  function positions() {
    var best = {};
    state.bids.forEach(function (b) {
      var c = cents(b.amount);
      if (!(b.alias in best) || c < best[b.alias].c) best[b.alias] = { c: c, seq: b.seq };
    });
    return Object.keys(best).sort(function (a, b) { return best[a].c - best[b].c || best[a].seq - best[b].seq; });
  }

  function render() {
    var a = state.auction; if (!a) return;
    $("auction-status").textContent = STATUS[a.status] || a.status;
    $("starts-at").textContent = fmtDate(a.starts_at); $("ends-at").textContent = fmtDate(a.ends_at);
    $("best-amount").textContent = state.best ? money(state.best.amount) + " 元" : "暂无报价";
    $("best-alias").textContent = state.best ? "（" + state.best.alias + (state.best.alias === state.you ? "，我" : "") + "）" : "";
    var rows = state.bids.slice().reverse().map(function (b) {
      var mine = b.alias === state.you ? "（我）" : "";
      return "<tr><td>" + b.seq + "</td><td>" + escapeHtml(b.alias) + mine + "</td><td class=\"num\">" + money(b.amount) + "</td><td>" + fmtTime(b.at) + "</td></tr>";
    });
    $("ladder").innerHTML = rows.length ? rows.join("") : "<tr><td colspan=\"4\" class=\"hint\">暂无出价。</td></tr>";
    if (role === "bidder") {
      var order = positions(), pos = order.indexOf(state.you);
      $("my-position").textContent = pos < 0 ? "尚未出价" : "第 " + (pos + 1) + " 名（共 " + order.length + " 家出价）";
      var limit = state.best ? cents(state.best.amount) - cents(a.min_step) : cents(a.ceiling);
      $("bid-hint").textContent = "报价须不高于 " + money(yuan(limit)) + " 元" + (a.floor ? "，不低于 " + money(a.floor) + " 元" : "") + "。";
      $("bid-submit").disabled = a.status !== "live";
    }
    if (isOver()) closedState();
    tick();
  }

  function tick() {
    var a = state.auction; if (!a) return;
    var el = $("countdown"), note = $("countdown-note");
    if (a.status === "closed" || a.status === "void") { el.textContent = "已结束"; note.textContent = ""; return; }
    var target = new Date(a.status === "scheduled" ? a.starts_at : a.ends_at).getTime();
    var left = Math.max(0, Math.round((target - now()) / 1000));
    var h = Math.floor(left / 3600), mnt = Math.floor(left % 3600 / 60), s = left % 60;
    el.textContent = (h ? h + ":" : "") + String(mnt).padStart(2, "0") + ":" + String(s).padStart(2, "0");
    note.textContent = a.status === "scheduled" ? "后开始" : (left === 0 ? "正在结束…" : "后截止");
    if (left === 0 && Date.now() - lastDuePing > 1000) {  // the server's lazy check closes it
      lastDuePing = Date.now(); pingSentAt = lastDuePing; send({ type: "ping" });
    }
  }

  function showResult(m) {
    $("result-panel").hidden = false;
    $("result-summary").textContent = m.winner ? "最低报价：" + m.winner.name + "（" + m.winner.alias + "），" + m.winner.amount + " 元。"
      : "有效出价机构不足规定家数，本次竞价无效（流标）。";
    $("result-rows").innerHTML = m.ranking.map(function (r, i) {
      return "<tr><td>" + (i + 1) + "</td><td>" + escapeHtml(r.alias) + "</td><td>" + escapeHtml(r.name) + "</td><td class=\"mono\">" + escapeHtml(r.code) + "</td><td class=\"num\">" + money(r.amount) + "</td></tr>";
    }).join("");
    if (m.winner) $("result-summary").textContent = "最低报价：" + m.winner.name + "（" + m.winner.alias + "），" + money(m.winner.amount) + " 元。";
    if (state.auction && state.auction.status !== "closed" && state.auction.status !== "void") state.auction.status = m.winner ? "closed" : "void";
    pending = null;
    render();
  }

  function isOver() { return !!state.auction && (state.auction.status === "closed" || state.auction.status === "void"); }

  /** After the close every part of the room says so: both badges, the bid box, the feedback. */
  function closedState() {
    var a = state.auction, after = REQUEST_AFTER[a.status];
    root.classList.add("auction-closed");
    var badge = $("request-status");
    if (badge && after) { badge.textContent = after[1]; badge.className = "badge status-" + after[0]; }
    var submit = $("bid-submit"), input = $("bid-amount");
    if (submit) { submit.disabled = true; submit.textContent = "竞价已结束"; }
    if (input) input.disabled = true;
    if ($("bid-hint")) $("bid-hint").textContent = "竞价已结束，不能再出价。";
    var fb = $("bid-feedback");
    if (fb && fb.dataset.final !== a.status) {
      fb.dataset.final = a.status;
      var order = positions(), pos = order.indexOf(state.you);
      fb.className = "notice notice-info";
      fb.textContent = a.status === "void" ? "竞价已结束：有效出价机构不足规定家数，本次竞价无效（流标）。"
        : "竞价已结束。" + (pos < 0 ? "您单位未出价。" : "您单位的最低报价排第 " + (pos + 1) + " 名，结果见“竞价结果”。");
    }
  }

  function escapeHtml(s) { var d = document.createElement("div"); d.textContent = s; return d.innerHTML; }

  function feedback(text, bad) {
    var el = $("bid-feedback"); if (!el) return;
    el.className = bad ? "notice notice-error" : "notice";
    el.textContent = text;
  }

  var form = $("bid-form");
  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (isOver() || confirming) return;
      // "95000", "95,000.00", "9.5万" are understood (YC.money.parse, the twin of core.format).
      var parsed = YC.money.parse($("bid-amount").value, "报价");
      if (!parsed.ok) { feedback("报价无效：" + parsed.message, true); return; }
      var amount = parsed.value;
      confirming = true;
      YC.confirmDialog("确认出价？", [
        "报价：" + money(amount) + " 元",
        "大写：" + YC.money.capital(amount),
        "出价一经确认即提交，不能撤回；以服务器收到的时间为准。"
      ], "确认出价").then(function (yes) {
        confirming = false;
        if (!yes || isOver()) return;
        pending = { amount: amount, client_id: uuid() };
        feedback("出价已发送，等待确认…", false);
        send({ type: "bid", amount: pending.amount, client_id: pending.client_id });
      });
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { pingSentAt = Date.now(); send({ type: "ping" }); send({ type: "sync" }); }
  });
  setInterval(tick, 250);
  setInterval(function () { pingSentAt = Date.now(); send({ type: "ping" }); }, 15000);
  connect();
})();
