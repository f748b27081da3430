// Brickwork pages: htmx requests carry the session's CSRF token (from the page's meta tag).
// No inline scripts anywhere: the Content-Security-Policy allows scripts from this server only.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) {
    event.detail.headers["X-CSRF-Token"] = token.content;
  }
});

// Charts: each element with a data-option holds an ECharts option (JSON data, no functions),
// drawn with the SVG renderer; redrawn after htmx swaps and when the window is resized.
function drawCharts(root) {
  if (typeof echarts === "undefined") {
    return;
  }
  root.querySelectorAll("[data-option]").forEach((element) => {
    if (element.dataset.drawn) {
      return;
    }
    const chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption(JSON.parse(element.dataset.option));
    element.dataset.drawn = "true";
    window.addEventListener("resize", () => chart.resize());
  });
}
document.addEventListener("DOMContentLoaded", () => drawCharts(document));
document.addEventListener("htmx:afterSettle", (event) => drawCharts(event.target));

// A form that does something hard to undo asks first: data-confirm holds the question.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A list's "select every row of this page" box ticks (or clears) the boxes of its rows.
document.addEventListener("change", (event) => {
  if (event.target.id !== "pick-all") {
    return;
  }
  document.querySelectorAll('input[name="ids"][form="bulk"]').forEach((box) => {
    box.checked = event.target.checked;
  });
});
