// The decision-table, report and dashboard designers: what their buttons do, also by dragging
// and by keys. The server does every edit (each is a press of the form's buttons, saved as the
// draft and answered with the page); this only says which button was meant:
// - a row dragged by its handle (SortableJS) presses `<list's move>:<from>:<to>` (a decision
//   table's column `move-input:<from>:<to>` or `move-output:...`, among its own side's columns);
// - a dashboard tile dragged on the grid by its handle presses `place:<i>:<column>:<row>`, by its
//   corner `size:<i>:<width>:<height>`;
// - Alt+arrow keys (and Alt+Shift+arrow keys) in a row press its button marked with that key;
// - Ctrl+Z presses Undo, Ctrl+Y or Ctrl+Shift+Z Redo (not while typing: the field's own undo).
(() => {
  let refocus = null;

  // The form sent as if a button with `action` = value had been pressed (htmx sends the
  // pressed button's value; without htmx the browser does).
  function press(form, value) {
    const button = document.createElement("button");
    button.type = "submit";
    button.name = "action";
    button.value = value;
    button.hidden = true;
    form.append(button);
    button.click();
  }

  // The rows of a list a row may move among: those with the same data-move (a decision
  // table's input columns, or its output columns), or all of them.
  const peers = (list, item) =>
    [...list.querySelectorAll(list.dataset.rows)].filter(
      (other) => other.dataset.move === item.dataset.move,
    );

  function sortables(root) {
    if (typeof Sortable === "undefined") {
      return;
    }
    root.querySelectorAll("[data-sortable]").forEach((list) => {
      if (list.dataset.ready) {
        return;
      }
      list.dataset.ready = "true";
      let next = null;
      let from = -1;
      const options = {
        draggable: list.dataset.rows,
        handle: ".drag-handle",
        animation: 120,
        forceFallback: true,
        fallbackOnBody: true,
        onStart: (event) => {
          next = event.item.nextSibling;
          from = peers(list, event.item).indexOf(event.item);
        },
        onMove: (event) => event.related.dataset.move === event.dragged.dataset.move,
        onEnd: (event) => {
          const to = peers(list, event.item).indexOf(event.item);
          // Back where it was: the rows' inputs are named by their place, and the server
          // answers the list in its new order.
          list.insertBefore(event.item, next);
          if (from === to || to < 0) {
            return;
          }
          refocus = event.item.dataset.row;
          const verb = event.item.dataset.move || list.dataset.sortable;
          press(list.closest("form"), `${verb}:${from}:${to}`);
        },
      };
      if (list.dataset.direction) {
        options.direction = list.dataset.direction;
      }
      Sortable.create(list, options);
    });
  }

  const within = (value, lowest, highest) => Math.max(lowest, Math.min(highest, value));

  // A dashboard tile dragged on the grid: it follows the pointer cell by cell; the drop saves.
  function dragOnGrid(event) {
    const handle = event.target.closest && event.target.closest("[data-drag]");
    if (!handle || event.button !== 0) {
      return;
    }
    const tile = handle.closest("[data-index]");
    const grid = tile.closest("[data-grid]");
    event.preventDefault();
    const style = getComputedStyle(grid);
    const columns = Number(grid.dataset.grid);
    const inner = grid.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const column = (inner + (parseFloat(style.columnGap) || 0)) / columns;
    const row = (parseFloat(style.gridAutoRows) || 40) + (parseFloat(style.rowGap) || 0);
    const at = ["x", "y", "w", "h"].map((name) => Number(tile.dataset[name]));
    const [x, y, w, h] = at;
    const sizing = handle.dataset.drag === "size";
    const before = sizing ? [w, h] : [x, y];
    let chosen = before;
    const start = [event.clientX, event.clientY];
    handle.setPointerCapture(event.pointerId);
    tile.classList.add("dragging");
    const follow = (moved) => {
      const across = Math.round((moved.clientX - start[0]) / column);
      const down = Math.round((moved.clientY - start[1]) / row);
      if (sizing) {
        chosen = [within(w + across, 1, columns - x), Math.max(1, h + down)];
        tile.style.gridColumnEnd = `span ${chosen[0]}`;
        tile.style.gridRowEnd = `span ${chosen[1]}`;
      } else {
        chosen = [within(x + across, 0, columns - w), Math.max(0, y + down)];
        tile.style.gridColumnStart = String(chosen[0] + 1);
        tile.style.gridRowStart = String(chosen[1] + 1);
      }
    };
    const drop = () => {
      handle.removeEventListener("pointermove", follow);
      handle.removeEventListener("pointerup", drop);
      handle.removeEventListener("pointercancel", drop);
      tile.classList.remove("dragging");
      if (chosen[0] === before[0] && chosen[1] === before[1]) {
        tile.removeAttribute("style");
        return;
      }
      refocus = tile.dataset.row;
      press(grid.closest("form"), `${handle.dataset.drag}:${tile.dataset.index}:${chosen[0]}:${chosen[1]}`);
    };
    handle.addEventListener("pointermove", follow);
    handle.addEventListener("pointerup", drop);
    handle.addEventListener("pointercancel", drop);
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey && event.key.startsWith("Arrow") && !event.ctrlKey && !event.metaKey) {
      const row = event.target.closest && event.target.closest("[data-row]");
      const key = (event.shiftKey ? "Shift+" : "") + event.key;
      const button = row && row.querySelector(`[data-key="${key}"]`);
      if (button) {
        event.preventDefault(); // at an end too: Alt+← would otherwise leave the page
        if (!button.disabled) {
          refocus = row.dataset.row;
          button.click();
        }
      }
      return;
    }
    const typing = event.target.closest && event.target.closest("input, textarea, select");
    if (typing || !(event.ctrlKey || event.metaKey) || event.altKey) {
      return;
    }
    const key = event.key.toLowerCase();
    let which = "";
    if (key === "z" && !event.shiftKey) {
      which = "undo";
    } else if (key === "y" || (key === "z" && event.shiftKey)) {
      which = "redo";
    }
    const button = which ? document.getElementById(which) : null;
    if (button) {
      event.preventDefault();
      if (!button.disabled) {
        button.click();
      }
    }
  });

  document.addEventListener("pointerdown", dragOnGrid);
  document.addEventListener("DOMContentLoaded", () => sortables(document));
  document.addEventListener("htmx:afterSettle", () => {
    sortables(document);
    if (refocus === null) {
      return;
    }
    const row = document.querySelector(`[data-row="${CSS.escape(refocus)}"]`);
    const handle = row ? row.querySelector(".drag-handle") : null;
    refocus = null;
    if (handle && !document.querySelector("[data-focus]")) {
      handle.focus();
    }
  });
})();
