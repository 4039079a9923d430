/* Muster console: keyboard shortcuts. "g" then a letter opens a page of the navigation
 * (the letters are the nav links' data-go, so only pages this operator may open have one);
 * "/" goes to the search box (the search page where the header has none: a post's page); "?" shows the list (#shortcuts-help). No shortcut fires while
 * the operator types in a field, or with Ctrl, Alt or Meta held.
 */
(function () {
  "use strict";

  var help = document.getElementById("shortcuts-help");
  var button = document.getElementById("shortcuts-button");
  var pendingG = false;
  var timer = null;

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true], .cm-editor"));
  }

  function showHelp() {
    if (help && !help.open && help.showModal) { help.showModal(); }
  }

  function go(letter) {
    var link = document.querySelector('header nav a[data-go="' + letter + '"]');
    if (link) { link.click(); }
  }

  if (button) { button.addEventListener("click", showHelp); }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) { return; }
    if (typing(event.target) || (help && help.open)) { return; }
    // Inside a shadow root (the policy editor) the event's target is the host.
    var inner = event.composedPath ? event.composedPath()[0] : event.target;
    if (inner !== event.target && typing(inner)) { return; }
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      window.clearTimeout(timer);
      if (/^[a-z]$/.test(key)) { event.preventDefault(); go(key); }
      return;
    }
    if (key === "g") {
      pendingG = true;
      timer = window.setTimeout(function () { pendingG = false; }, 1500);
    } else if (key === "/") {
      var box = document.getElementById("global-search");
      event.preventDefault();
      if (box && box.offsetParent !== null) {
        box.focus();
        box.select();
      } else {
        window.location.assign("/search");
      }
    } else if (key === "?") {
      event.preventDefault();
      showHelp();
    }
  });
})();
