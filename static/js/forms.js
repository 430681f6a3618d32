/* 宜春市网上中介服务超市 — form behaviour shared by every page (no inline script: the
 * pages run under a Content-Security-Policy with script-src 'self').
 *
 * - Irreversible actions confirm first: a <form data-confirm="标题"
 *   data-confirm-summary="第一行&#10;第二行"> opens a dialog with the summary and submits
 *   only on 确认 (Escape or 取消 keeps the page as it is).
 * - Amount fields: an <input data-amount> is read as a person types it (YC.money.parse:
 *   "83000", "83,000.00", "8.3万"); the element [data-amount-echo=<input id>] shows the
 *   amount with thousands separators and in capitals (大写), or what to type instead, and
 *   the value is normalised to "83000.00" before the form is sent.
 */
(function () {
  "use strict";
  var YC = (window.YC = window.YC || {});

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** Ask before an irreversible step. `lines`: the summary; resolves true on 确认. */
  YC.confirmDialog = function (title, lines, okText) {
    return new Promise(function (resolve) {
      var dialog = el("dialog", "confirm-dialog");
      dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
      var heading = el("h2", "", title);
      heading.id = "confirm-dialog-title";
      dialog.appendChild(heading);
      var list = el("ul", "confirm-summary");
      lines.forEach(function (line) { if (line) list.appendChild(el("li", "", line)); });
      dialog.appendChild(list);
      var actions = el("div", "actions");
      var ok = el("button", "", okText || "确认");
      ok.type = "button";
      ok.setAttribute("data-confirm-ok", "");
      var cancel = el("button", "button-secondary", "取消");
      cancel.type = "button";
      actions.appendChild(ok);
      actions.appendChild(cancel);
      dialog.appendChild(actions);
      document.body.appendChild(dialog);
      var answered = false;
      function close(value) {
        if (answered) return;
        answered = true;
        if (dialog.open) dialog.close();
        dialog.parentNode.removeChild(dialog);
        resolve(value);
      }
      ok.addEventListener("click", function () { close(true); });
      cancel.addEventListener("click", function () { close(false); });
      dialog.addEventListener("cancel", function (e) { e.preventDefault(); close(false); });
      dialog.showModal();
      cancel.focus();
    });
  };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-confirm")) return;
    if (form.dataset.confirmed === "1") { form.dataset.confirmed = ""; return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    var lines = (form.getAttribute("data-confirm-summary") || "").split("\n");
    var submitter = event.submitter || null;
    YC.confirmDialog(form.getAttribute("data-confirm") + "？", lines, form.getAttribute("data-confirm"))
      .then(function (yes) {
        if (!yes) return;
        form.dataset.confirmed = "1";
        if (form.requestSubmit) form.requestSubmit(submitter || undefined);
        else form.submit();
      });
  }, true);

  // ---- amount fields ------------------------------------------------------------------

  /** The element that shows the amount back; made after the input when the page has none. */
  function echoFor(input) {
    var echo = input.id ? document.querySelector("[data-amount-echo='" + input.id + "']") : null;
    if (!echo && input.id && input.parentNode) {
      echo = el("span", "hint small amount-echo");
      echo.setAttribute("data-amount-echo", input.id);
      echo.id = input.id + "-echo";
      echo.setAttribute("aria-live", "polite");
      input.parentNode.insertBefore(echo, input.nextSibling);
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", (described ? described + " " : "") + echo.id);
    }
    return echo;
  }

  /** Show the amount back; on page load (`initial`) only a good one: a refused amount
   *  already carries the server's message beside the field, which must not appear twice. */
  function showAmount(input, initial) {
    var echo = echoFor(input);
    if (!echo || !YC.money) return null;
    var raw = input.value.trim();
    if (!raw) { echo.textContent = ""; echo.classList.remove("is-bad"); return null; }
    var parsed = YC.money.parse(raw, input.getAttribute("data-amount-label") || "金额");
    if (initial && !parsed.ok) { echo.textContent = ""; return parsed; }
    if (parsed.ok) {
      echo.textContent = YC.money.format(parsed.value) + " 元（大写：" + YC.money.capital(parsed.value) + "）";
      echo.classList.remove("is-bad");
    } else {
      echo.textContent = parsed.message;
      echo.classList.add("is-bad");
    }
    return parsed;
  }

  function bindAmounts(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("input[data-amount]"), function (input) {
      if (input.dataset.amountBound) return;
      input.dataset.amountBound = "1";
      input.addEventListener("input", function () { showAmount(input, false); });
      showAmount(input, true);
      if (input.form) {
        input.form.addEventListener("submit", function () {
          var parsed = YC.money ? YC.money.parse(input.value) : null;
          if (parsed && parsed.ok) input.value = parsed.value; // the server understands both; send the plain one
        });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { bindAmounts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { bindAmounts(event.target); });
})();
