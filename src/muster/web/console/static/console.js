/* Muster console: live updates over Server-Sent Events. No dependencies, no inline code.
 *
 * The page names its live parts: an element with data-fragment="/fragments/..." and
 * data-refresh-on="people. access.passage" is fetched again (debounced) whenever an event
 * whose kind starts with one of those prefixes arrives; "*" matches every kind.
 * EventSource reconnects by itself and resumes with Last-Event-ID; when the server refuses
 * the connection outright, this script opens a new one after the last sequence it saw.
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

  function refresh(el) {
    var url = el.getAttribute("data-fragment");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
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
        el.innerHTML = html;
        el.setAttribute("data-refreshed-seq", String(lastSeq));
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

  if (body.getAttribute("data-stream")) {
    connect();
  }
})();
