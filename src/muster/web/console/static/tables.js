/* Muster console: sortable columns. A table marked data-sortable gets a button in each
 * header cell; pressing it sorts the rows by that column (numbers as numbers, a cell's
 * data-sort value where it has one), then the other way. aria-sort says which column and
 * which way. A live part that is replaced (muster:swapped) keeps its table's order.
 */
(function () {
  "use strict";

  var chosen = {}; // table id -> {column, descending}

  function cellValue(row, column) {
    var cell = row.cells[column];
    if (!cell) { return ""; }
    return cell.getAttribute("data-sort") || cell.textContent.trim();
  }

  function compare(a, b) {
    var x = Number(a.replace(/,/g, ""));
    var y = Number(b.replace(/,/g, ""));
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) { return x - y; }
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function sort(table, column, descending) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows).filter(function (row) {
      return row.cells.length > 1; // an "empty list" row spans the table and stays
    });
    rows.sort(function (a, b) {
      var order = compare(cellValue(a, column), cellValue(b, column));
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      if (i === column) {
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
  }

  function enhance(table) {
    if (!table.tHead || table.getAttribute("data-sortable-ready") === "1") { return; }
    table.setAttribute("data-sortable-ready", "1");
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      if (th.hasAttribute("data-nosort") || !th.textContent.trim()) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () {
        var now = chosen[table.id];
        var descending = Boolean(now && now.column === column && !now.descending);
        chosen[table.id] = { column: column, descending: descending };
        sort(table, column, descending);
      });
    });
    var again = chosen[table.id];
    if (again) { sort(table, again.column, again.descending); }
  }

  function enhanceAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("table[data-sortable]"), enhance);
  }

  enhanceAll(document);
  document.addEventListener("muster:swapped", function (event) { enhanceAll(event.target); });
})();
