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

// Signature pads: draw with a mouse, pen or finger; "use" sends the drawing as a PNG with the
// form (the server stores it and answers the field again); "clear" starts over.
function signaturePad(canvas) {
  if (canvas.dataset.ready) {
    return;
  }
  canvas.dataset.ready = "true";
  const pen = canvas.getContext("2d");
  pen.lineWidth = 2.2;
  pen.lineCap = "round";
  pen.strokeStyle = "#111827";
  let drawing = false;
  canvas.dataset.drawn = "";
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [
      ((event.clientX - box.left) * canvas.width) / box.width,
      ((event.clientY - box.top) * canvas.height) / box.height,
    ];
  };
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    pen.beginPath();
    pen.moveTo(...at(event));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) {
      return;
    }
    pen.lineTo(...at(event));
    pen.stroke();
    canvas.dataset.drawn = "true";
  });
  canvas.addEventListener("pointerup", () => {
    drawing = false;
  });
  const box = canvas.parentElement;
  box.querySelector("[data-signature-clear]").addEventListener("click", () => {
    pen.clearRect(0, 0, canvas.width, canvas.height);
    canvas.dataset.drawn = "";
  });
  box.querySelector("[data-signature-save]").addEventListener("click", () => {
    if (!canvas.dataset.drawn) {
      return;
    }
    canvas.toBlob((image) => {
      const form = canvas.closest("form");
      const sent = new FormData(form);
      sent.append("upload." + canvas.dataset.field, image, "signature.png");
      const token = document.querySelector('meta[name="csrf-token"]');
      fetch(canvas.dataset.signature, {
        method: "POST",
        body: sent,
        headers: { "X-CSRF-Token": token ? token.content : "", "HX-Request": "true" },
      })
        .then((answer) => answer.text())
        .then((html) => {
          const field = box.closest(".attachments") || box;
          field.outerHTML = html;
          const fresh = document.getElementById(field.id);
          if (fresh && typeof htmx !== "undefined") {
            htmx.process(fresh);
          }
        });
    }, "image/png");
  });
}
document.addEventListener("DOMContentLoaded", () =>
  document.querySelectorAll("canvas[data-signature]").forEach(signaturePad),
);
document.addEventListener("htmx:afterSettle", (event) =>
  event.target.querySelectorAll("canvas[data-signature]").forEach(signaturePad),
);

// A location's "use my position": the device's latitude and longitude fill the inputs.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-locate]");
  if (!button || !navigator.geolocation) {
    return;
  }
  const inputs = button.closest("fieldset").querySelectorAll("input");
  navigator.geolocation.getCurrentPosition((position) => {
    inputs[0].value = position.coords.latitude.toFixed(7);
    inputs[1].value = position.coords.longitude.toFixed(7);
    inputs[1].dispatchEvent(new Event("change", { bubbles: true }));
  });
});

// Designers: after a row moved by keyboard, focus follows it (the server marks the button).
document.addEventListener("htmx:afterSettle", (event) => {
  const marked = event.target.querySelector("[data-focus]");
  if (marked) {
    marked.focus();
  }
});
