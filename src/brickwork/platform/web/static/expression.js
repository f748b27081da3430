// The expression editor of the designers: every [data-expression] box is checked by the server
// as it is typed (debounced; the browser never evaluates an expression), the first problem is
// shown under the input with a caret at its column, and the scope's names and the functions are
// offered for completion (Ctrl+Space or typing; arrows move, Enter or Tab takes, Esc closes).
// A page may give a box the fields it holds in memory (unsaved ones too) with
//   box.brickworkScope = () => ({ fields: [...] })
// and learns the outcome from the "expression:checked" event ({ ok, diagnostics }).
(function () {
  const DELAY = 300;
  const SHOWN = 8;

  function token() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function caretLines(source, problem) {
    const lines = source.split("\n");
    const text = lines[problem.line - 1];
    if (problem.line < 1 || text === undefined) {
      return "";
    }
    const start = Math.max(problem.column, 1);
    const sameLine = problem.end_line === problem.line && problem.end_column > start;
    const width = Math.max(1, Math.min(sameLine ? problem.end_column - start : 1, text.length - start + 2));
    return text + "\n" + " ".repeat(start - 1) + "^".repeat(width);
  }

  function wordBefore(input) {
    const upto = input.value.slice(0, input.selectionStart);
    const found = /[$A-Za-z_][$\w]*$/.exec(upto);
    return found ? found[0] : "";
  }

  function setup(box) {
    if (box.dataset.ready) {
      return;
    }
    box.dataset.ready = "true";
    const input = box.querySelector("textarea, input");
    const problem = box.querySelector(".expr-problem");
    const excerpt = box.querySelector(".expr-caret");
    const message = box.querySelector(".expr-message");
    const list = box.querySelector(".expr-completions");
    let timer = null;
    let sent = 0;
    let offered = [];
    let picked = 0;
    let shown = [];

    function scope() {
      const given = typeof box.brickworkScope === "function" ? box.brickworkScope() : {};
      const body = Object.assign({ expression: input.value }, given);
      for (const name of ["app", "form", "row"]) {
        if (box.dataset[name] && body[name] === undefined) {
          body[name] = box.dataset[name];
        }
      }
      if (box.dataset.names && body.names === undefined) {
        body.names = JSON.parse(box.dataset.names);
      }
      return body;
    }

    function show(answer) {
      offered = answer.completions || [];
      const first = (answer.diagnostics || [])[0];
      box.classList.toggle("expr-invalid", Boolean(first));
      input.setAttribute("aria-invalid", first ? "true" : "false");
      if (first) {
        excerpt.textContent = caretLines(input.value, first);
        message.textContent = first.message + (first.hint ? " — " + first.hint : "");
        message.dataset.code = first.code;
        problem.hidden = false;
      } else {
        excerpt.textContent = "";
        message.textContent = "";
        problem.hidden = true;
      }
      box.dataset.state = first ? "invalid" : "valid";
      box.dispatchEvent(new CustomEvent("expression:checked", { bubbles: true, detail: answer }));
    }

    async function ask() {
      const mine = ++sent;
      box.dataset.state = "checking";
      try {
        const response = await fetch(box.dataset.checkUrl || "/design/expression", {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": token(), "Accept-Language": document.documentElement.lang || "en" },
          body: JSON.stringify(scope()),
          credentials: "same-origin",
        });
        const answer = await response.json();
        if (mine === sent) {
          if (response.ok) {
            show(answer);
          } else {
            show({ diagnostics: [{ code: answer.code, message: answer.message, line: 0 }] });
          }
        }
      } catch (error) {
        if (mine === sent) {
          box.dataset.state = "unchecked";
        }
      }
    }

    function close() {
      list.hidden = true;
      list.replaceChildren();
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      shown = [];
    }

    function mark() {
      list.querySelectorAll("li").forEach((item, index) => {
        item.setAttribute("aria-selected", index === picked ? "true" : "false");
        if (index === picked) {
          input.setAttribute("aria-activedescendant", item.id);
        }
      });
    }

    function open(force) {
      const prefix = wordBefore(input).toLowerCase();
      if (!prefix && !force) {
        close();
        return;
      }
      shown = offered.filter((c) => c.label.toLowerCase().startsWith(prefix)).slice(0, SHOWN);
      if (!shown.length || (shown.length === 1 && shown[0].label.toLowerCase() === prefix)) {
        close();
        return;
      }
      list.replaceChildren(
        ...shown.map((entry, index) => {
          const item = document.createElement("li");
          item.id = list.id + "-" + index;
          item.setAttribute("role", "option");
          item.dataset.kind = entry.kind;
          const name = document.createElement("code");
          name.textContent = entry.label;
          const detail = document.createElement("small");
          detail.textContent = [entry.detail, entry.type].filter(Boolean).join(" · ");
          item.append(name, " ", detail);
          item.addEventListener("mousedown", (event) => {
            event.preventDefault();
            take(index);
          });
          return item;
        }),
      );
      picked = 0;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      mark();
    }

    function take(index) {
      const entry = shown[index];
      if (!entry) {
        return;
      }
      const prefix = wordBefore(input);
      const at = input.selectionStart;
      const text = entry.kind === "function" ? entry.label + "(" : entry.label;
      input.value = input.value.slice(0, at - prefix.length) + text + input.value.slice(at);
      const caret = at - prefix.length + text.length;
      input.setSelectionRange(caret, caret);
      close();
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY);
      open(false);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === " " && event.ctrlKey) {
        event.preventDefault();
        open(true);
        return;
      }
      if (list.hidden) {
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : shown.length - 1;
        picked = (picked + step) % shown.length;
        mark();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        take(picked);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
    box.brickworkCheck = ask;
    ask();
  }

  function setupAll(root) {
    root.querySelectorAll("[data-expression]").forEach(setup);
  }
  window.brickworkExpressions = setupAll;
  document.addEventListener("DOMContentLoaded", () => setupAll(document));
  document.addEventListener("htmx:afterSettle", (event) => setupAll(event.target));
})();
