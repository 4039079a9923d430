/* Muster console: live updates over Server-Sent Events. No dependencies, no inline code.
 *
 * The page names its live parts: an element with data-fragment="/fragments/..." and
 * data-refresh-on="people. access.passage" is fetched again (debounced) whenever an event
 * whose kind starts with one of those prefixes arrives; "*" matches every kind.
 * EventSource reconnects by itself and resumes with Last-Event-ID; when the server refuses
 * the connection outright, this script opens a new one after the last sequence it saw.
 *
 * A form marked data-async, and a link marked data-soft, stay on the page: the answer (the
 * page the server redirects to) replaces only the page's live parts and its notice, and the
 * address bar takes the new address, so an open request on screen is never thrown away.
 * A form marked data-async="refresh" answers from elsewhere: only its notice is shown and
 * the page's live parts are fetched again at their own addresses (the request kept).
 * Each replaced part fires a "muster:swapped" event for page scripts (post.js).
 */
(function () {
  "use strict";

  var body = document.body;
  var banner = document.getElementById("link-status");
  var timers = new Map();
  var lastSeq = Number(body.getAttribute("data-after") || "0");
  var source = null;

  function setLink(state, text) {
    body.setAttribute("data-link", state);
    if (!banner) { return; }
    if (state === "live") {
      banner.hidden = true;
      banner.textContent = "";
    } else {
      banner.hidden = false;
      banner.textContent = text;
    }
  }

  function liveParts() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-fragment]"));
  }

  function wants(el, kind, subjects) {
    var subject = el.getAttribute("data-subject");
    if (subject && subjects.indexOf(subject) === -1) { return false; }
    var prefixes = (el.getAttribute("data-refresh-on") || "").split(/\s+/);
    return prefixes.some(function (p) {
      return p !== "" && (p === "*" || kind === p || kind.indexOf(p) === 0);
    });
  }

  function swapped(el) {
    el.dispatchEvent(new CustomEvent("muster:swapped", { bubbles: true }));
  }

  function showNotice(text, refusal) {
    var area = document.getElementById("notice-area");
    if (!area) { return; }
    area.innerHTML = "";
    if (!text) { return; }
    var p = document.createElement("p");
    p.className = refusal ? "notice refusal" : "notice";
    p.setAttribute("role", refusal ? "alert" : "status");
    p.textContent = text;
    area.appendChild(p);
  }

  // A part drawn by the server carries the server's time of drawing (data-now); it is
  // stamped with this page's clock when the page asked for it (data-asked), so a script
  // comparing the two (post.js, permits' time left) is not misled by a clock that moved
  // while the answer was on its way.
  function stampAsked(el, asked) {
    el.querySelectorAll("[data-now]").forEach(function (part) {
      part.setAttribute("data-asked", String(asked));
    });
  }

  function applyPage(html, url, asked) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    liveParts().forEach(function (el) {
      var fresh = el.id ? doc.getElementById(el.id) : null;
      if (!fresh) { return; }
      el.innerHTML = fresh.innerHTML;
      stampAsked(el, asked);
      el.setAttribute("data-fragment", fresh.getAttribute("data-fragment") || "");
      swapped(el);
    });
    var notice = doc.querySelector("#notice-area .notice");
    showNotice(notice ? notice.textContent : "", notice && notice.classList.contains("refusal"));
    if (url && window.history.replaceState) { window.history.replaceState(null, "", url); }
  }

  function load(url, options, refreshOnly) {
    var asked = Date.now();
    return fetch(url, options).then(function (response) {
      if (response.redirected && response.url.indexOf("/login") !== -1) {
        window.location.reload();
        return;
      }
      var target = new URL(response.url);
      if (refreshOnly && response.ok) {
        return response.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var notice = doc.querySelector("#notice-area .notice");
          var refused = Boolean(notice && notice.classList.contains("refusal"));
          // The notice shows once every part is fresh: what it says is on the page.
          return Promise.all(liveParts().map(refresh)).then(function () {
            showNotice(notice ? notice.textContent : "", refused);
            return !refused;
          });
        });
      }
      if (target.pathname !== window.location.pathname) {
        window.location.assign(response.url);
        return;
      }
      return response.text().then(function (html) {
        if (response.ok) {
          applyPage(html, response.url, asked);
          return;
        }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var why = doc.querySelector("main p, main h1, p");
        showNotice("Refused: " + (why ? why.textContent : "the station server said no (" + response.status + ")"), true);
      });
    }).catch(function () {
      showNotice("Not sent: the station server did not answer. Nothing changed; try again.", true);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-async")) { return; }
    event.preventDefault();
    if (form.getAttribute("data-busy") === "1") { return; }
    form.setAttribute("data-busy", "1");
    var body = new FormData(form);
    load(form.action, {
      method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "text/html" }
    }, form.getAttribute("data-async") === "refresh").then(function (done) {
      form.removeAttribute("data-busy");
      if (done === true) { form.reset(); }
    });
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-soft]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    load(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } });
  });

  // What the operator has typed or chosen in a live part and not sent yet: kept when the
  // part is redrawn (a discharge half written survives another medic's admission).
  function typedValues(el) {
    var typed = {};
    el.querySelectorAll("input[id], textarea[id], select[id]").forEach(function (field) {
      if (field.type === "hidden" || field.type === "checkbox" || field.type === "radio") { return; }
      var changed = field.tagName === "SELECT"
        ? Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; })
        : field.value !== field.defaultValue;
      if (changed) { typed[field.id] = field.value; }
    });
    return typed;
  }

  function refresh(el) {
    var url = el.getAttribute("data-fragment");
    var asked = Date.now();
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected && response.url.indexOf("/login") !== -1) {
          window.location.reload();
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) { return; }
        var active = document.activeElement;
        var keepFocus = active && el.contains(active) && active.id ? active.id : "";
        var typed = typedValues(el);
        el.innerHTML = html;
        stampAsked(el, asked);
        Object.keys(typed).forEach(function (id) {
          var again = document.getElementById(id);
          if (!again || !el.contains(again)) { return; }
          if (again.tagName === "SELECT" &&
            !Array.prototype.some.call(again.options, function (o) { return o.value === typed[id]; })) { return; }
          again.value = typed[id];
        });
        el.setAttribute("data-refreshed-seq", String(lastSeq));
        swapped(el);
        if (keepFocus) {
          var again = document.getElementById(keepFocus);
          if (again) { again.focus(); }
        }
      })
      .catch(function () { /* the stream's banner already tells the operator */ });
  }

  function schedule(el) {
    if (timers.has(el)) { return; }
    timers.set(el, window.setTimeout(function () {
      timers.delete(el);
      refresh(el);
    }, 150));
  }

  function onEvent(message) {
    var item;
    try { item = JSON.parse(message.data); } catch (e) { return; }
    if (typeof item.seq === "number") {
      lastSeq = item.seq;
      body.setAttribute("data-last-seq", String(item.seq));
    }
    liveParts().forEach(function (el) {
      if (wants(el, String(item.kind || ""), item.subjects || [])) { schedule(el); }
    });
  }

  function connect() {
    var url = body.getAttribute("data-stream") + "?after=" + String(lastSeq);
    source = new EventSource(url);
    source.onopen = function () { setLink("live", ""); };
    source.onmessage = onEvent;
    source.onerror = function () {
      setLink("down", "Disconnected from the station server. Reconnecting; nothing will be lost.");
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        window.setTimeout(connect, 3000);
      }
    };
  }

  // Night mode: the device's preference, or the operator's choice kept on this device.
  var themeSwitch = document.getElementById("theme-switch");
  function applyTheme(theme) {
    var night = theme === "dark" ||
      (!theme && window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
    document.documentElement.setAttribute("data-theme", night ? "dark" : "light");
    if (themeSwitch) { themeSwitch.setAttribute("aria-pressed", night ? "true" : "false"); }
  }
  var savedTheme = "";
  try { savedTheme = window.localStorage.getItem("muster-theme") || ""; } catch (e) { savedTheme = ""; }
  applyTheme(savedTheme);
  if (themeSwitch) {
    themeSwitch.addEventListener("click", function () {
      var next = themeSwitch.getAttribute("aria-pressed") === "true" ? "light" : "dark";
      try { window.localStorage.setItem("muster-theme", next); } catch (e) { /* kept for this page only */ }
      applyTheme(next);
    });
  }

  if (body.getAttribute("data-stream")) {
    connect();
  }
})();
