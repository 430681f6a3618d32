/* 宜春市网上中介服务超市 — page behaviour shared by every page. Plain JS, no dependencies.
 *
 * - Live notifications: a logged-in user's page (body[data-user="1"]) keeps a WebSocket
 *   open to /ws/notifications/, reconnecting with exponential backoff. Each
 *   {"type": "notification", id, kind, title, body, url, unread} shows a toast, updates
 *   #unread-badge and, on the invitations page, prepends a row to #invitation-list.
 * - YC.formatTime(iso): "YYYY-MM-DD HH:mm" in the browser's time zone.
 * - Grade selects that follow their qualification type select (entry page).
 */
(function () {
  "use strict";

  var YC = (window.YC = window.YC || {});

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  /** Format an ISO 8601 time (or a Date) as "YYYY-MM-DD HH:mm" local time; "" if invalid. */
  YC.formatTime = function (value) {
    var d = value instanceof Date ? value : new Date(value);
    if (isNaN(d.getTime())) return "";
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  };

  /** Only same-site relative links from the server are followed (never "javascript:"). */
  function safeUrl(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // ---- toasts ---------------------------------------------------------------------

  function toastContainer() {
    var box = document.getElementById("toasts");
    if (!box) {
      box = el("div", "toasts");
      box.id = "toasts";
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    return box;
  }

  function dismiss(toast) {
    if (!toast.parentNode) return;
    toast.classList.add("leaving");
    setTimeout(function () {
      if (toast.parentNode) toast.parentNode.removeChild(toast);
    }, 300);
  }

  /** Show a toast with a title, an optional body and an optional link; returns the element. */
  YC.toast = function (title, body, url) {
    var toast = el("div", "toast");
    toast.setAttribute("role", "status");
    toast.appendChild(el("p", "toast-title", title));
    if (body) toast.appendChild(el("p", "toast-body", body));
    var href = safeUrl(url);
    if (href) {
      var link = el("a", "toast-link", "查看详情");
      link.href = href;
      toast.appendChild(link);
    }
    var close = el("button", "toast-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "关闭");
    close.addEventListener("click", function () {
      dismiss(toast);
    });
    toast.appendChild(close);
    var box = toastContainer();
    box.appendChild(toast);
    while (box.children.length > 5) box.removeChild(box.firstChild);
    setTimeout(function () {
      dismiss(toast);
    }, 10000);
    return toast;
  };

  // ---- unread badge and live invitation rows ---------------------------------------

  function setUnread(count) {
    var badge = document.getElementById("unread-badge");
    if (!badge || typeof count !== "number") return;
    var before = badge.textContent;
    badge.textContent = String(count);
    badge.hidden = count <= 0;
    if (before !== badge.textContent && count > 0) {
      badge.classList.remove("bump");
      void badge.offsetWidth; // restart the animation
      badge.classList.add("bump");
    }
  }

  function prependInvitation(msg) {
    var list = document.getElementById("invitation-list");
    if (!list) return;
    var empty = list.querySelector("[data-empty]");
    if (empty) empty.parentNode.removeChild(empty);
    var href = safeUrl(msg.url);
    var table = list.closest ? list.closest("table") : null;
    var row, cell;
    if (list.tagName === "TBODY" || list.tagName === "TABLE") {
      var columns = table ? table.querySelectorAll("thead th").length : 1;
      row = el("tr", "live-row");
      cell = el("td");
      cell.colSpan = Math.max(columns, 1);
      row.appendChild(cell);
    } else {
      row = el("li", "live-row");
      cell = row;
    }
    row.setAttribute("data-notification-id", String(msg.id));
    cell.appendChild(el("span", "badge badge-warn", "新邀请"));
    cell.appendChild(document.createTextNode(" "));
    if (href) {
      var link = el("a", "", msg.title);
      link.href = href;
      cell.appendChild(link);
    } else {
      cell.appendChild(el("strong", "", msg.title));
    }
    if (msg.body) cell.appendChild(el("div", "muted small", msg.body));
    list.insertBefore(row, list.firstChild);
  }

  function onMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "hello") {
      setUnread(msg.unread);
    } else if (msg.type === "notification") {
      YC.toast(msg.title || "新消息", msg.body, msg.url);
      setUnread(msg.unread);
      if (msg.kind === "invitation") prependInvitation(msg);
      document.dispatchEvent(new CustomEvent("yc:notification", { detail: msg }));
    }
  }

  // ---- the notification socket, reconnecting with backoff ------------------------------

  function connectNotifications() {
    if (!("WebSocket" in window)) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + "/ws/notifications/";
    var delay = 1000;
    var maxDelay = 30000;
    var socket = null;
    var pingTimer = null;
    var stopped = false;

    function schedule() {
      if (stopped) return;
      var wait = Math.min(delay, maxDelay) * (0.75 + Math.random() * 0.5);
      delay = Math.min(delay * 2, maxDelay);
      setTimeout(open, wait);
    }

    function open() {
      if (stopped) return;
      try {
        socket = new WebSocket(url);
      } catch (e) {
        schedule();
        return;
      }
      socket.onopen = function () {
        delay = 1000;
        clearInterval(pingTimer);
        pingTimer = setInterval(function () {
          if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: "ping" }));
        }, 25000);
      };
      socket.onmessage = function (event) {
        var msg;
        try {
          msg = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        onMessage(msg);
      };
      socket.onclose = function (event) {
        clearInterval(pingTimer);
        socket = null;
        if (event.code === 4401) return; // not logged in (any more): do not retry
        schedule();
      };
      socket.onerror = function () {
        /* onclose follows and reconnects */
      };
    }

    window.addEventListener("beforeunload", function () {
      stopped = true;
      if (socket) socket.close();
    });
    open();
  }

  // ---- grade select that follows the qualification type select -------------------------

  function bindGradeSelects(root) {
    var selects = (root || document).querySelectorAll("select[data-grades]");
    Array.prototype.forEach.call(selects, function (typeSelect) {
      if (typeSelect.dataset.bound) return;
      typeSelect.dataset.bound = "1";
      var form = typeSelect.form;
      var gradeSelect = form && form.querySelector("select[name='" + typeSelect.dataset.gradeField + "']");
      var map;
      try {
        map = JSON.parse(typeSelect.dataset.grades);
      } catch (e) {
        return;
      }
      if (!gradeSelect) return;
      function refresh() {
        var grades = map[typeSelect.value] || [];
        var current = gradeSelect.value;
        while (gradeSelect.firstChild) gradeSelect.removeChild(gradeSelect.firstChild);
        var first = el("option", "", grades.length ? "请选择等级" : "不分等级");
        first.value = "";
        gradeSelect.appendChild(first);
        grades.forEach(function (g) {
          var opt = el("option", "", g);
          opt.value = g;
          if (g === current) opt.selected = true;
          gradeSelect.appendChild(opt);
        });
      }
      typeSelect.addEventListener("change", refresh);
      refresh();
    });
  }

  // ---- local times: <time data-local datetime="..."> ------------------------------

  function formatLocalTimes(root) {
    var nodes = (root || document).querySelectorAll("time[data-local][datetime]");
    Array.prototype.forEach.call(nodes, function (node) {
      var text = YC.formatTime(node.getAttribute("datetime"));
      if (text) node.textContent = text;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    bindGradeSelects(document);
    formatLocalTimes(document);
    if (document.body && document.body.getAttribute("data-user") === "1") connectNotifications();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    bindGradeSelects(event.target);
    formatLocalTimes(event.target);
  });
})();
