// Sorting by a header click (numbers by data-v, else text) and filtering by name. `init` runs
// on the page, and again on each part the live page redraws (perfPage, live.js).
(function () {
  "use strict";
  function value(cell, numeric) {
    var v = cell.getAttribute("data-v");
    if (v === null) v = cell.textContent.trim();
    if (numeric) { var n = parseFloat(v); return isNaN(n) ? -Infinity : n; }
    return v.toLowerCase();
  }
  function sort(table, th, asc) {
    var ths = Array.prototype.slice.call(th.parentNode.children);
    var col = ths.indexOf(th);
    var numeric = th.getAttribute("data-type") === "num";
    var current = th.getAttribute("aria-sort");
    // First click: numbers largest first, names A to Z; then each click flips.
    if (asc === undefined) asc = current ? current === "descending" : !numeric;
    ths.forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a.cells[col], numeric), y = value(b.cells[col], numeric);
      var c = x < y ? -1 : x > y ? 1 : 0;
      return asc ? c : -c;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    body.appendChild(frag);
  }
  function filter(input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    var q = input.value.toLowerCase();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      r.style.display = r.cells[0].textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
    });
  }
  function init(root) {
    Array.prototype.forEach.call(root.querySelectorAll("table.sortable"), function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
        th.addEventListener("click", function () { sort(table, th); });
        th.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(table, th); }
        });
      });
    });
    Array.prototype.forEach.call(root.querySelectorAll("input.filter"), function (input) {
      input.addEventListener("input", function () { filter(input); });
    });
  }
  init(document);
  window.perfPage = { init: init, sort: sort, filter: filter };
})();
