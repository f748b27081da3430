// App settings: the menu editor. Up and Down move an entry in place (focus stays on the button
// pressed, and a live region says where the entry went); entries can be dragged by their handle
// with SortableJS. The order of the entries in the page is the order saved with "Save menu";
// without scripts, Up and Down ask the server to move the entry instead.
(function () {
  const list = document.getElementById("menu-entries");
  if (!list) {
    return;
  }
  const status = document.getElementById("menu-moved");

  function refresh() {
    const rows = Array.from(list.children);
    rows.forEach((row, index) => {
      row.querySelector("button[value^='up:']").disabled = index === 0;
      row.querySelector("button[value^='down:']").disabled = index === rows.length - 1;
    });
  }

  function announce(row) {
    const rows = Array.from(list.children);
    const name = row.querySelector(".menu-label").textContent.replace(/\s+/g, " ").trim();
    status.textContent = name + " · " + (rows.indexOf(row) + 1) + " / " + rows.length;
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[name='action']");
    if (!button) {
      return;
    }
    event.preventDefault();
    const row = button.closest("li");
    const up = button.value.startsWith("up:");
    const other = up ? row.previousElementSibling : row.nextElementSibling;
    if (!other) {
      return;
    }
    list.insertBefore(row, up ? other : other.nextElementSibling);
    refresh();
    button.disabled ? row.querySelector("button:not([disabled])").focus() : button.focus();
    announce(row);
  });

  if (typeof Sortable !== "undefined") {
    Sortable.create(list, {
      handle: ".drag-handle",
      animation: 120,
      forceFallback: true,
      onEnd: (event) => {
        refresh();
        announce(event.item);
      },
    });
  }
})();
