/* Muster airlock post: what the guard needs at the door, on top of console.js.
 *
 * - Each permit counts down the time it has left (the server's clock, as sent with the
 *   list) and greys out when it lapses: its button goes, "Record all permitted" leaves it out.
 * - A tap on a person's line opens the full reason; the line stays open across live updates.
 * - Flash and immediate orders not yet acknowledged take the top of the screen, sound a
 *   tone (the browser's own audio, no file) and mark the tab's title until acknowledged.
 * - Selecting a group: everyone on one side of the airlock, a party, or badges scanned one
 *   after another into one field (a badge reader types the id and Enter).
 */
(function () {
  "use strict";

  var body = document.body;
  var baseTitle = document.title;
  var opened = new Set();
  var heard = new Set();
  var audio = null;
  var tones = 0;

  /* Permits and their time left. */

  /* The server's clock against this page's: the server's time of drawing a request
     (data-now) less this page's clock when it asked for the drawing (data-asked, stamped by
     console.js on parts redrawn in place), or when the page itself loaded. Taken against
     the asking, not the arrival: a page clock that moves on while an answer is on its way
     would otherwise cancel itself out and leave lapsed permits reading as live. */
  function skewOf(root) {
    if (!root.hasAttribute("data-skew")) {
      var server = Date.parse(root.getAttribute("data-now") || "");
      var asked = Number(root.getAttribute("data-asked") || "");
      var mine = root.hasAttribute("data-asked") && !isNaN(asked) ? asked : Date.now();
      root.setAttribute("data-skew", String(isNaN(server) ? 0 : server - mine));
    }
    return Number(root.getAttribute("data-skew"));
  }

  function lapse(line) {
    line.classList.remove("permit");
    line.classList.add("lapsed");
    line.setAttribute("data-state", "lapsed");
    line.querySelector(".verdict").textContent = "LAPSED";
    var left = line.querySelector(".left");
    if (left) { left.textContent = ""; }
    var act = line.querySelector(".act");
    if (act) { act.textContent = ""; }
    var why = line.querySelector(".why");
    if (why) {
      var note = document.createElement("strong");
      note.textContent = "Permit lapsed; ask the airlock again. ";
      why.insertBefore(note, why.firstChild);
    }
    var all = document.getElementById("record-all-form");
    if (!all) { return; }
    var input = all.querySelector('input[name="decision_id"][value="' + line.getAttribute("data-decision") + '"]');
    if (input) { input.remove(); }
    var remaining = all.querySelectorAll('input[name="decision_id"]').length;
    all.querySelector("[data-count]").textContent = String(remaining);
    if (remaining === 0) { all.hidden = true; }
  }

  function tick() {
    document.querySelectorAll(".request[data-now]").forEach(function (root) {
      var now = Date.now() + skewOf(root);
      root.querySelectorAll('li.line[data-state="permit"][data-expires]').forEach(function (line) {
        var ms = Date.parse(line.getAttribute("data-expires")) - now;
        if (ms <= 0) { lapse(line); return; }
        var secs = Math.ceil(ms / 1000);
        var shown = line.querySelector("[data-left]");
        if (shown) {
          shown.textContent = Math.floor(secs / 60) + ":" + String(secs % 60).padStart(2, "0");
        }
        line.classList.toggle("ending", secs <= 60);
      });
    });
  }

  /* Details on tap, kept open across live updates. */

  function reopen(root) {
    root.querySelectorAll("button.who[aria-controls]").forEach(function (button) {
      var id = button.getAttribute("aria-controls");
      if (opened.has(id)) {
        button.setAttribute("aria-expanded", "true");
        document.getElementById(id).hidden = false;
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.who[aria-controls]") : null;
    if (!button) { return; }
    var id = button.getAttribute("aria-controls");
    var panel = document.getElementById(id);
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    panel.hidden = !open;
    if (open) { opened.add(id); } else { opened.delete(id); }
  });

  /* Urgent orders: top of the screen, a tone, the tab's title. */

  function tone() {
    tones += 1;
    body.setAttribute("data-tones", String(tones));
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") { audio.resume(); }
      [0, 0.3, 0.6].forEach(function (start) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = "square";
        osc.frequency.value = 880;
        gain.gain.value = 0.2;
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(audio.currentTime + start);
        osc.stop(audio.currentTime + start + 0.18);
      });
    } catch (e) { /* no audio on this device: the banner and the title still show */ }
  }

  function alerts() {
    var urgent = Array.prototype.slice.call(document.querySelectorAll("[data-urgent]"));
    body.classList.toggle("alerting", urgent.length > 0);
    if (urgent.length === 0) {
      document.title = baseTitle;
      return;
    }
    var flash = urgent.some(function (el) { return el.getAttribute("data-precedence") === "flash"; });
    document.title = (flash ? "FLASH ORDER" : "IMMEDIATE ORDER") + " (" + urgent.length + ") · " + baseTitle;
    var fresh = urgent.filter(function (el) { return !heard.has(el.getAttribute("data-urgent")); });
    fresh.forEach(function (el) { heard.add(el.getAttribute("data-urgent")); });
    if (fresh.length) { tone(); }
  }

  // Browsers start audio only after a tap: unlock it on the guard's first one.
  document.addEventListener("pointerdown", function () {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (Context && !audio) {
      try { audio = new Context(); } catch (e) { audio = null; }
    }
    if (audio && audio.state === "suspended") { audio.resume(); }
  }, { once: true });

  /* Selecting the group at the door. */

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('#pick-list input[type="checkbox"]'));
  }

  function counted() {
    var shown = document.getElementById("picked-count");
    if (shown) { shown.textContent = String(boxes().filter(function (b) { return b.checked; }).length); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-select]") : null;
    if (!button) { return; }
    var how = button.getAttribute("data-select");
    var value = button.getAttribute("data-value");
    boxes().forEach(function (box) {
      if (how === "none") { box.checked = false; }
      else if (box.getAttribute("data-" + how) === value) { box.checked = true; }
    });
    counted();
  });

  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("#pick-list")) { counted(); }
  });

  function scanned(value) {
    var status = document.getElementById("scan-status");
    var wanted = value.trim().toLowerCase();
    if (!wanted) { return; }
    var match = boxes().filter(function (box) {
      return (box.getAttribute("data-badge") || "").toLowerCase() === wanted ||
        (box.getAttribute("data-name") || "").toLowerCase() === wanted;
    })[0];
    if (match) {
      match.checked = true;
      status.textContent = value + ": " + match.getAttribute("data-name") + " selected.";
    } else {
      var list = document.getElementById("badges");
      list.value = (list.value.trim() ? list.value.trim() + "\n" : "") + value.trim();
      status.textContent = value + " is not recorded at this airlock; added to the list to ask about.";
    }
    counted();
  }

  var scan = document.getElementById("scan");
  if (scan) {
    scan.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      scanned(scan.value);
      scan.value = "";
    });
  }

  document.addEventListener("muster:swapped", function (event) {
    reopen(event.target);
    tick();
    alerts();
  });

  /* A request redrawn in place carries the server's time of its drawing: its skew is
     taken the moment it is in the document, not at the next tick (which could come after
     the clock had moved on, and leave a lapsed permit reading as live). */
  function takeSkews() {
    document.querySelectorAll(".request[data-now]").forEach(skewOf);
  }
  new MutationObserver(takeSkews).observe(document.body, { childList: true, subtree: true });

  reopen(document);
  takeSkews();
  tick();
  alerts();
  counted();
  window.setInterval(tick, 1000);
})();
