/* Ledger page: sortable columns and filters on top of a table that is complete without them.
   No libraries, no requests; does nothing where the table is missing. */
(function () {
  "use strict";

  var table = document.getElementById("ledger");
  if (!table || !table.tBodies.length || !table.tHead) {
    return;
  }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var lang = document.documentElement.lang || undefined;
  var collator = typeof Intl !== "undefined" && Intl.Collator
    ? new Intl.Collator(lang, { numeric: true, sensitivity: "base" })
    : null;

  rows.forEach(function (row, i) {
    row.setAttribute("data-order", String(i));
  });

  /* --- sorting ------------------------------------------------------------------------ */

  function cellKey(row, column) {
    var cell = row.cells[column];
    if (!cell) {
      return "";
    }
    var key = cell.getAttribute("data-sort");
    return key === null ? (cell.textContent || "").trim() : key;
  }

  function isNumeric(column) {
    return rows.every(function (row) {
      var key = cellKey(row, column);
      return key === "" || /^-?\d+(\.\d+)?$/.test(key);
    });
  }

  function compareText(a, b) {
    if (collator) {
      return collator.compare(a, b);
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function sortBy(column, direction) {
    var numeric = isNumeric(column);
    var sign = direction === "ascending" ? 1 : -1;
    var keyed = rows.map(function (row) {
      return { row: row, key: cellKey(row, column), order: Number(row.getAttribute("data-order")) };
    });
    keyed.sort(function (a, b) {
      if (a.key === "" || b.key === "") {
        if (a.key === b.key) {
          return a.order - b.order;
        }
        return a.key === "" ? 1 : -1; /* empty cells last, whichever the direction */
      }
      var result = numeric ? Number(a.key) - Number(b.key) : compareText(a.key, b.key);
      return result !== 0 ? sign * result : a.order - b.order;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (item) {
      fragment.appendChild(item.row);
    });
    body.appendChild(fragment);
  }

  headers.forEach(function (th, column) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    while (th.firstChild) {
      button.appendChild(th.firstChild);
    }
    var arrow = document.createElement("span");
    arrow.className = "arrow";
    arrow.setAttribute("aria-hidden", "true");
    button.appendChild(arrow);
    th.appendChild(button);
    button.addEventListener("click", function () {
      var direction = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      headers.forEach(function (other) {
        other.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", direction);
      sortBy(column, direction);
    });
  });

  /* --- filtering: a search box and two selects, built from the words the page carries --- */

  var tools = document.getElementById("ledger-tools");
  var count = document.getElementById("ledger-count");
  if (!tools) {
    return;
  }

  function field(id, label, control) {
    var wrap = document.createElement("div");
    wrap.className = "field";
    var labelElement = document.createElement("label");
    labelElement.htmlFor = id;
    labelElement.textContent = label;
    control.id = id;
    wrap.appendChild(labelElement);
    wrap.appendChild(control);
    return wrap;
  }

  function selectFrom(list) {
    var select = document.createElement("select");
    if (list) {
      Array.prototype.forEach.call(list.querySelectorAll("li"), function (item) {
        var option = document.createElement("option");
        option.value = item.getAttribute("data-value") || "";
        option.textContent = (item.textContent || "").trim();
        select.appendChild(option);
      });
      list.parentNode.removeChild(list);
    }
    return select;
  }

  var search = document.createElement("input");
  search.type = "search";
  search.autocomplete = "off";
  var state = selectFrom(tools.querySelector('[data-filter="state"]'));
  var department = selectFrom(tools.querySelector('[data-filter="department"]'));
  var fields = [
    field("ledger-filter", tools.getAttribute("data-filter-label") || "Filter", search),
    field("ledger-state", tools.getAttribute("data-state-label") || "State", state),
    field("ledger-department", tools.getAttribute("data-department-label") || "Department", department)
  ];
  fields.forEach(function (wrap) {
    tools.insertBefore(wrap, count && count.parentNode === tools ? count : null);
  });

  var texts = rows.map(function (row) {
    return (row.textContent || "").toLowerCase();
  });

  function apply() {
    var terms = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var wantState = state.value;
    var wantDepartment = department.value;
    var shown = 0;
    rows.forEach(function (row, i) {
      var visible =
        (!wantState || row.getAttribute("data-state") === wantState) &&
        (!wantDepartment ||
          (row.getAttribute("data-departments") || "").split(" ").indexOf(wantDepartment) >= 0) &&
        terms.every(function (term) {
          return texts[i].indexOf(term) >= 0;
        });
      row.hidden = !visible;
      if (visible) {
        shown += 1;
      }
    });
    if (count) {
      var template = count.getAttribute("data-text") || "{shown} / {total}";
      count.textContent = template
        .replace("{shown}", String(shown))
        .replace("{total}", String(rows.length));
    }
  }

  search.addEventListener("input", apply);
  state.addEventListener("change", apply);
  department.addEventListener("change", apply);
  tools.hidden = false;
  apply();
})();
