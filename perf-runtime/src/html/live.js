// The live page: every few seconds, report.json for the rates (calls/s and errors/s per fn, from
// two successive fetches) and report.html for the views, which the server draws with the same
// renderer as `perf-report html`. A failed fetch shows in the status line; the next tick tries
// again. `?every=500` sets the interval in milliseconds.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var status = live.querySelector(".status");
  var rates = live.querySelector(".rates");
  var every = +live.getAttribute("data-every-ms") || 2000;
  var asked = /[?&]every=(\d+)/.exec(location.search);
  if (asked) every = Math.max(250, +asked[1]);
  var KEEP = 30; // points per sparkline
  var previous = null; // {at, fns: {name: {calls, errors}}}
  var history = {}; // name -> calls/s of the last KEEP intervals
  var fetches = 0;

  function get(url, as) {
    return fetch(url, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return r[as]();
    });
  }

  function number(v) {
    return v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(v >= 10 ? 1 : 2);
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function spark(values) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "spark");
    svg.setAttribute("viewBox", "0 0 120 24");
    svg.setAttribute("aria-hidden", "true");
    var max = Math.max.apply(null, values.concat([1e-9]));
    var step = 120 / Math.max(KEEP - 1, 1);
    var x0 = 120 - step * (values.length - 1);
    var line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", values.map(function (v, i) {
      return (x0 + i * step).toFixed(1) + "," + (23 - 22 * v / max).toFixed(1);
    }).join(" "));
    svg.appendChild(line);
    return svg;
  }

  // Calls/s and errors/s per fn since the previous fetch, by the reports' own clocks.
  function rate(report) {
    var at = Date.parse(report.generated_at);
    var fns = {};
    report.functions.forEach(function (f) { fns[f.name] = { calls: f.calls, errors: f.errors + f.panics }; });
    var was = previous;
    previous = { at: at, fns: fns };
    if (!was || !(at > was.at)) return false;
    var seconds = (at - was.at) / 1000;
    var rows = report.functions.map(function (f) {
      var before = was.fns[f.name] || { calls: 0, errors: 0 };
      var r = {
        name: f.name,
        calls: Math.max(0, f.calls - before.calls) / seconds,
        errors: Math.max(0, fns[f.name].errors - before.errors) / seconds
      };
      var h = history[f.name] || (history[f.name] = []);
      h.push(r.calls);
      if (h.length > KEEP) h.shift();
      return r;
    });
    rows.sort(function (a, b) { return b.calls - a.calls || (a.name < b.name ? -1 : 1); });
    var total = rows.reduce(function (s, r) { return s + r.calls; }, 0);
    var table = el("table", { id: "rates-table" });
    var head = table.createTHead().insertRow();
    ["function", "calls/s", "errors/s", "calls/s, last " + KEEP + " fetches"].forEach(function (h) {
      head.appendChild(el("th", {}, h));
    });
    var body = table.createTBody();
    rows.forEach(function (r) {
      var tr = body.insertRow();
      tr.appendChild(el("td", { class: "name" }, r.name));
      tr.appendChild(el("td", { "data-v": r.calls.toFixed(3) }, number(r.calls)));
      tr.appendChild(el("td", r.errors > 0 ? { "data-v": r.errors.toFixed(3), class: "warn" } : { "data-v": "0" }, number(r.errors)));
      var cell = el("td", { class: "trend" });
      cell.appendChild(spark(history[r.name]));
      tr.appendChild(cell);
    });
    var caption = el("p", { class: "hint" },
      number(total) + " calls/s in all, over the last " + seconds.toFixed(1) + " s (between the last two fetches)");
    var scroll = el("div", { class: "scroll" });
    scroll.appendChild(table);
    rates.replaceChildren(caption, scroll);
    return true;
  }

  // The server's page for the same moment replaces the header, the sections and the footer;
  // the filter text, the sort order and the focus stay as the reader left them.
  function redraw(html) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var filters = {}, sorts = {}, focused = null;
    Array.prototype.forEach.call(document.querySelectorAll("main input.filter"), function (input) {
      filters[input.getAttribute("data-table")] = input.value;
      if (input === document.activeElement) focused = input.getAttribute("data-table");
    });
    Array.prototype.forEach.call(document.querySelectorAll("main table.sortable[id]"), function (table) {
      var ths = Array.prototype.slice.call(table.tHead.rows[0].cells);
      ths.forEach(function (th, col) {
        var s = th.getAttribute("aria-sort");
        if (s) sorts[table.id] = { col: col, asc: s === "ascending" };
      });
    });
    ["header", "main", "footer"].forEach(function (part) {
      var now = document.querySelector("body > " + part);
      var fresh = next.querySelector("body > " + part);
      if (now && fresh) now.replaceWith(document.importNode(fresh, true));
    });
    var main = document.querySelector("body > main");
    window.perfPage.init(main);
    Object.keys(sorts).forEach(function (id) {
      var table = document.getElementById(id);
      var th = table && table.tHead.rows[0].cells[sorts[id].col];
      if (th) window.perfPage.sort(table, th, sorts[id].asc);
    });
    Array.prototype.forEach.call(main.querySelectorAll("input.filter"), function (input) {
      var id = input.getAttribute("data-table");
      if (filters[id]) { input.value = filters[id]; window.perfPage.filter(input); }
      if (focused === id) input.focus();
    });
  }

  function tick() {
    Promise.all([get("report.json", "json"), get("report.html", "text")])
      .then(function (got) {
        var rated = rate(got[0]);
        redraw(got[1]);
        fetches += 1;
        live.setAttribute("data-fetches", fetches);
        status.className = "status";
        status.textContent = "live · fetch " + fetches + " at " + new Date().toLocaleTimeString("en-GB") +
          " · every " + every / 1000 + " s" + (rated ? "" : " · rates after the next fetch");
      })
      .catch(function (e) {
        status.className = "status bad";
        status.textContent = "not updated: " + e.message + " · retrying every " + every / 1000 + " s";
      })
      .then(function () { setTimeout(tick, every); });
  }
  tick();
})();
