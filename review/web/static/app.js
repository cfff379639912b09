// Keyboard shortcuts and small conveniences; every page works without this file.
(function () {
  "use strict";
  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }
  // Enter on a focused link, button or <summary> already means "follow / press / open this": it must not also
  // confirm the document (a reviewer pressing Enter on "Guardar transcripción" would route it instead).
  function activates(event) {
    var t = event.target;
    return event.key === "Enter" && t && t.closest && t.closest("a, button, summary, [role=button]") !== null;
  }
  function go(id) {
    var link = document.getElementById(id);
    if (link) { window.location.href = link.href; }
  }
  // The menu is open on a wide window (its «Menú» summary hidden by app.css) and folded on a phone's.
  var menu = document.getElementById("menu");
  if (menu && window.matchMedia) {
    var narrow = window.matchMedia("(max-width: 760px)");
    var fit = function () { menu.open = !narrow.matches; };
    fit();
    narrow.addEventListener("change", fit);
  }
  var page = document.body.dataset.page;

  // A page's scan: the bar's buttons or +/- zoom it (the full-resolution image loads on the first zoom), and a
  // zoomed scan pans by dragging or by scrolling inside its box. The keys act on the scan last pointed at.
  function zoomable(box) {
    var viewport = box.querySelector(".viewport"), canvas = box.querySelector(".canvas");
    var img = box.querySelector("img"), label = box.querySelector(".zoom-level");
    var levels = [1, 1.5, 2, 3, 4], at = 0, drag = null;
    box.querySelector(".zoom-bar").hidden = false;
    img.draggable = false;
    function zoom(step) {
      var next = step === 0 ? 0 : Math.max(0, Math.min(levels.length - 1, at + step));
      var cx = (viewport.scrollLeft + viewport.clientWidth / 2) / canvas.offsetWidth;
      var cy = (viewport.scrollTop + viewport.clientHeight / 2) / canvas.offsetHeight;
      at = next;
      if (levels[at] > 1 && !box.dataset.loaded) { box.dataset.loaded = "1"; img.src = box.dataset.full; }
      canvas.style.width = levels[at] * 100 + "%";
      box.classList.toggle("zoomed", levels[at] > 1);
      label.textContent = Math.round(levels[at] * 100) + " %";
      viewport.scrollLeft = cx * canvas.offsetWidth - viewport.clientWidth / 2;
      viewport.scrollTop = cy * canvas.offsetHeight - viewport.clientHeight / 2;
    }
    box.querySelector(".zoom-bar").addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (button) { zoom(Number(button.dataset.zoom)); }
    });
    viewport.addEventListener("pointerdown", function (event) {
      if (at === 0) { return; }
      drag = {x: event.clientX, y: event.clientY, left: viewport.scrollLeft, top: viewport.scrollTop};
      box.classList.add("dragging");
      viewport.setPointerCapture(event.pointerId);
    });
    viewport.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      viewport.scrollLeft = drag.left - (event.clientX - drag.x);
      viewport.scrollTop = drag.top - (event.clientY - drag.y);
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      viewport.addEventListener(name, function () { drag = null; box.classList.remove("dragging"); });
    });
    return zoom;
  }

  if (page === "document") {
    var scans = Array.prototype.slice.call(document.querySelectorAll(".image[data-full]")).map(function (box) {
      var zoom = zoomable(box);
      box.addEventListener("pointerenter", function () { scans.current = zoom; });
      return zoom;
    });
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey || !scans.length) { return; }
      var step = {"+": 1, "=": 1, "-": -1}[event.key];
      if (step) { event.preventDefault(); (scans.current || scans[0])(step); }
    });
    var program = document.getElementById("program");
    var directorate = document.getElementById("directorate");
    if (program && directorate) {
      var warning = document.getElementById("directorate-warning");
      var copies = Array.prototype.slice.call(document.querySelectorAll("#copies label[data-code]"));
      var count = document.getElementById("copies-count");
      var own = function () {
        var option = program.options[program.selectedIndex];
        return option && option.dataset.directorate ? option.dataset.directorate : "";
      };
      // The responsible directorate is never also a copy; the summary says how many copies are ticked.
      var sync = function () {
        var ticked = 0;
        copies.forEach(function (label) {
          var box = label.querySelector("input");
          var responsible = label.dataset.code === directorate.value;
          label.hidden = responsible;
          if (responsible) { box.checked = false; }
          if (box.checked) { ticked += 1; }
        });
        if (count) { count.textContent = ticked === 0 ? "ninguna" : ticked === 1 ? "1 dirección" : ticked + " direcciones"; }
        // Another directorate than the program's own is allowed (another authority may be right), never silent.
        var expected = own();
        if (warning) {
          warning.hidden = !expected || expected === directorate.value;
          var named = directorate.querySelector('option[value="' + expected + '"]');
          document.getElementById("program-directorate").textContent = named ? named.textContent : expected;
        }
      };
      program.addEventListener("change", function () {
        if (own()) { directorate.value = own(); }
        sync();
      });
      directorate.addEventListener("change", sync);
      copies.forEach(function (label) { label.querySelector("input").addEventListener("change", sync); });
      sync();
    }
    var dismiss = document.getElementById("dismiss-form");
    if (dismiss) {
      dismiss.addEventListener("submit", function (event) {
        var note = window.prompt("¿Por qué no es una petición? (opcional)", "");
        if (note === null) { event.preventDefault(); return; }
        dismiss.querySelector("input[name=note]").value = note;
      });
    }
    var merge = document.getElementById("merge-form");
    if (merge) {
      merge.addEventListener("submit", function (event) {
        var into = merge.querySelector("input[name=into]").value;
        if (!window.confirm("¿Unir este documento al documento " + into + "? Sus páginas pasan a ese documento.")) {
          event.preventDefault();
        }
      });
    }
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          var f = document.getElementById("confirm-form");
          if (f) { event.preventDefault(); f.requestSubmit(); }
        }
        return;
      }
      if (typing(event) || activates(event)) { return; }
      var form;
      switch (event.key) {
        case "c":
        case "Enter":
          form = document.getElementById("confirm-form");
          if (form) { event.preventDefault(); form.requestSubmit(); }
          break;
        case "j": go("next"); break;
        case "k": go("previous"); break;
        case "p":
          if (program) { event.preventDefault(); program.focus(); }
          break;
        case "x":
          form = document.getElementById("dismiss-form");
          if (form) { event.preventDefault(); form.requestSubmit(); }
          break;
        case "s":
        case "u":
        case "a":
          var field = document.getElementById({s: "split-page", u: "merge-into", a: "progress-text"}[event.key]);
          if (field) { event.preventDefault(); field.focus(); }
          break;
      }
    });
  }

  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-href]"));
  if (rows.length) {
    var current = 0;
    function mark() {
      rows.forEach(function (r, i) { r.classList.toggle("current", i === current); });
    }
    rows.forEach(function (row, i) {
      row.addEventListener("click", function (event) {
        // A link opens itself, and a checkbox in the row (the ARCO selection) ticks instead of opening.
        if (!event.target.closest("a, input, label, button, select, textarea")) { window.location.href = row.dataset.href; }
      });
    });
    mark();
    document.addEventListener("keydown", function (event) {
      if (typing(event) || activates(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "j") { current = Math.min(rows.length - 1, current + 1); mark(); }
      else if (event.key === "k") { current = Math.max(0, current - 1); mark(); }
      else if (event.key === "Enter") { window.location.href = rows[current].dataset.href; }
    });
  }
})();
