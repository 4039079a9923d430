/* Muster console: the policy editor. A textarea marked data-editor="cedar" becomes a
 * CodeMirror 6 editor (vendor/codemirror.js, global CM) with line numbers and Cedar
 * colouring; the textarea stays in the form and takes the editor's text on every change,
 * so the form posts as it does without JavaScript. The problems the server found
 * (#policy-problems pre[data-line]) are underlined at their line and column.
 * A check (tests, proofs, what-if) runs in place and says so, with a progress bar, while
 * it runs; saving posts the form as usual.
 */
(function () {
  "use strict";

  var KEYWORDS = /^(permit|forbid|when|unless|principal|action|resource|context|in|has|like|is|if|then|else|true|false)\b/;

  var cedar = {
    name: "cedar",
    token: function (stream) {
      if (stream.eatSpace()) { return null; }
      if (stream.match("//")) { stream.skipToEnd(); return "comment"; }
      if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) { return "string"; }
      if (stream.match(/^@[A-Za-z_]\w*/)) { return "meta"; }
      if (stream.match(KEYWORDS)) { return "keyword"; }
      if (stream.match(/^[A-Z]\w*(?=::)/)) { return "typeName"; }
      if (stream.match(/^\d+/)) { return "number"; }
      if (stream.match(/^[A-Za-z_]\w*/)) { return "variableName"; }
      if (stream.match(/^(==|!=|<=|>=|&&|\|\||::|[-+*<>!])/)) { return "operator"; }
      stream.next();
      return null;
    }
  };

  var THEME = CM.EditorView ? CM.EditorView.theme({
    "&": { height: "28rem", fontSize: ".9rem", background: "#fff", color: "#14181f" },
    "&.cm-focused": { outline: "3px solid #ffbf47", outlineOffset: "2px" },
    ".cm-scroller": { fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace" },
    ".cm-gutters": { background: "#f0f2f5", color: "#4f5866", borderRight: "1px solid #c9ced6" },
    ".cm-lintRange-error": { textDecoration: "underline wavy #a4161a", textUnderlineOffset: "3px" }
  }) : null;

  function offsetOf(doc, line, column) {
    var count = doc.lines;
    if (line < 1) { return 0; }
    if (line > count) { return doc.length; }
    var info = doc.line(line);
    return Math.min(info.from + Math.max(column - 1, 0), info.to);
  }

  function diagnostics(doc) {
    var marks = document.querySelectorAll("#policy-problems pre[data-line]");
    return Array.prototype.map.call(marks, function (el) {
      var from = offsetOf(doc, Number(el.getAttribute("data-line")), Number(el.getAttribute("data-column")));
      var to = offsetOf(doc, Number(el.getAttribute("data-end-line")), Number(el.getAttribute("data-end-column")));
      if (to <= from) { to = Math.min(from + 1, doc.length); }
      return { from: from, to: to, severity: "error", message: el.getAttribute("data-message") || "" };
    });
  }

  function enhance(textarea) {
    var label = document.getElementById(textarea.id + "-label");
    var host = document.createElement("div");
    host.className = "policy-editor";
    host.id = textarea.id + "-editor";
    textarea.parentNode.insertBefore(host, textarea);
    // In a shadow root, CodeMirror's own styles are constructed style sheets, which the
    // console's Content-Security-Policy (no inline style) allows; in the page they are not.
    var shadow = host.attachShadow({ mode: "open" });
    var view = new CM.EditorView({
      parent: shadow,
      root: shadow,
      state: CM.EditorState.create({
        doc: textarea.value,
        extensions: [
          CM.lineNumbers(),
          CM.history(),
          CM.drawSelection(),
          CM.highlightActiveLine(),
          CM.bracketMatching(),
          CM.lintGutter(),
          CM.StreamLanguage.define(cedar),
          THEME,
          CM.syntaxHighlighting(CM.defaultHighlightStyle, { fallback: true }),
          CM.keymap.of([].concat(CM.defaultKeymap, CM.historyKeymap, [CM.indentWithTab])),
          CM.EditorView.contentAttributes.of({
            "aria-label": label ? label.textContent : "Cedar policy",
            tabindex: "0"
          }),
          CM.EditorView.updateListener.of(function (update) {
            if (update.docChanged) { textarea.value = update.state.doc.toString(); }
          })
        ]
      })
    });
    textarea.hidden = true;
    textarea.setAttribute("aria-hidden", "true");
    if (label) {
      label.addEventListener("click", function () { view.focus(); });
    }
    views.push(view);
    mark(view);
  }

  // Underline each problem the server located, and put the cursor on the first.
  function mark(view) {
    var found = diagnostics(view.state.doc);
    view.dispatch(CM.setDiagnostics(view.state, found));
    if (found.length) {
      view.dispatch({ selection: { anchor: found[0].from }, scrollIntoView: true });
    }
  }

  var WORDS = {
    tests: "Running the policy tests on the draft…",
    prove: "Proving every safety property for the draft…",
    whatif: "Replaying the station's population and recent decisions against the draft…"
  };
  var views = [];

  function progress(text) {
    var box = document.getElementById("check-progress");
    var words = document.getElementById("check-progress-text");
    if (!box || !words) { return; }
    words.textContent = text;
    box.hidden = !text;
  }

  function swapIn(doc, id) {
    var here = document.getElementById(id);
    var there = doc.getElementById(id);
    if (here) { here.innerHTML = there ? there.innerHTML : ""; }
  }

  // A check (tests, proofs, what-if) runs in place: the editor keeps its text, cursor and
  // undo history, and the answer replaces only the problems and the results.
  function runCheck(form, submitter) {
    var body = new FormData(form);
    body.set(submitter.name, submitter.value);
    form.setAttribute("aria-busy", "true");
    progress(WORDS[submitter.value] || "Checking the draft…");
    return fetch(submitter.formAction, {
      method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "text/html" }
    }).then(function (response) {
      if (response.redirected && response.url.indexOf("/login") !== -1) {
        window.location.reload();
        return;
      }
      return response.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!doc.getElementById("policy-results")) {
          var why = doc.querySelector("main p, main h1");
          doc = new DOMParser().parseFromString(
            '<div id="policy-problems-area"><div class="error refusal-box" role="alert" id="policy-problems"><p></p></div></div>',
            "text/html");
          doc.querySelector("#policy-problems p").textContent =
            "Refused: " + (why ? why.textContent : "the station server said no (" + response.status + ")");
        }
        swapIn(doc, "policy-problems-area");
        swapIn(doc, "policy-results");
        views.forEach(mark);
      });
    }).catch(function () {
      var area = document.getElementById("policy-problems-area");
      if (area) {
        area.innerHTML = '<div class="error refusal-box" role="alert" id="policy-problems"><p></p></div>';
        area.querySelector("p").textContent =
          "Not checked: the station server did not answer. Nothing changed; try again.";
      }
    }).then(function () {
      form.removeAttribute("aria-busy");
      progress("");
    });
  }

  function onSubmit(event) {
    var form = event.target;
    if (form.id !== "policy-form") { return; }
    if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    var submitter = event.submitter;
    if (submitter && submitter.name === "action" && window.fetch) {
      event.preventDefault();
      runCheck(form, submitter);
      return;
    }
    form.setAttribute("aria-busy", "true");
    progress("Validating the draft against the schema and saving it…");
  }

  var areas = document.querySelectorAll("textarea[data-editor=cedar]");
  if (window.CM && THEME) { Array.prototype.forEach.call(areas, enhance); }
  document.addEventListener("submit", onSubmit);
  // Back from another page (bfcache): the form is idle again.
  window.addEventListener("pageshow", function () {
    var form = document.getElementById("policy-form");
    if (form) { form.removeAttribute("aria-busy"); }
    progress("");
  });
})();
