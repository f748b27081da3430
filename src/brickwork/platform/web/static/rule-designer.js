// The rule editor: the draft of a rule edited in the page (what starts it, its condition, its
// actions as typed cards, shadow mode, its tests), kept through the definition API. Actions move
// by drag (SortableJS, by the card's handle) and by their Up and Down buttons. Undo and redo
// within the page (Ctrl+Z, Ctrl+Y). The server checks everything: expressions as they are typed,
// the whole rule on save and publish, with problems shown on the element their pointer names.
(function () {
  const root = document.getElementById("rule-designer");
  if (!root) {
    return;
  }
  const APP = root.dataset.app;
  const KEY = root.dataset.key;
  const API = "/api/v1/apps/" + APP + "/definitions/rule/" + KEY;
  const TRY = "/api/v1/apps/" + APP + "/rules/" + KEY + "/examples/run";
  const LANG = root.dataset.language;
  const TEXT = document.getElementById("designer-texts").dataset;
  // Numbers stay exact: a number that a double would round is kept as its JSON text (written
  // back as it came, JSON.rawJSON), so a test's amount reaches the server digit for digit.
  const RAW = typeof JSON.rawJSON === "function";
  function exact(_key, value, context) {
    if (RAW && typeof value === "number" && context && context.source && String(value) !== context.source) {
      return JSON.rawJSON(context.source);
    }
    return value;
  }
  function parse(text) {
    return JSON.parse(text, exact);
  }
  const draft = parse(root.dataset.draft || "{}");
  const FORMS = JSON.parse(root.dataset.forms || "[]");
  const DECISIONS = JSON.parse(root.dataset.decisions || "[]");
  const FLOWS = JSON.parse(root.dataset.flows || "[]");
  const approval = root.dataset.approval === "true";
  const BEFORE = ["set_fields", "block", "call_decision"];
  const AFTER = ["raise_alert", "create_record", "update_records", "notify", "start_flow"];
  const NUMERIC = ["integer", "decimal", "money", "percent"];
  const ACTION_NAMES = {
    set_fields: TEXT.setFields,
    block: TEXT.block,
    call_decision: TEXT.callDecision,
    raise_alert: TEXT.raiseAlert,
    create_record: TEXT.createRecord,
    update_records: TEXT.updateRecords,
    notify: TEXT.notify,
    start_flow: TEXT.startFlow,
  };
  const EVENT_NAMES = {
    created: TEXT.created,
    updated: TEXT.updated,
    deleted: TEXT.deleted,
    started: TEXT.started,
    node_entered: TEXT.nodeEntered,
    approved: TEXT.approved,
    rejected: TEXT.rejected,
    finished: TEXT.finished,
  };
  let revision = Number(root.dataset.revision);
  let published = root.dataset.version ? Number(root.dataset.version) : null;

  let state = {
    label: typeof draft.label === "object" && draft.label ? draft.label : { "zh-CN": draft.label || KEY },
    description: draft.description || "",
    spec: normalise(draft.spec || {}),
  };
  let problems = [];
  let results = null; // the last run of the tests: {items, passed, failed}
  const past = [];
  const future = [];
  let dirty = false;
  let sortable = null;

  function normalise(spec) {
    const copy = parse(JSON.stringify(spec));
    copy.trigger = copy.trigger || { on: "record", form: FORMS.length ? FORMS[0].key : "", events: ["created", "updated"] };
    copy.condition = copy.condition || "true";
    copy.actions = Array.isArray(copy.actions) ? copy.actions : [];
    copy.examples = Array.isArray(copy.examples) ? copy.examples : [];
    copy.let = Array.isArray(copy.let) ? copy.let : [];
    return copy;
  }

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_m, name) => String(values[name]));
  }
  function token() {
    return document.querySelector('meta[name="csrf-token"]').content;
  }
  function labelText(label) {
    if (!label) {
      return "";
    }
    if (typeof label === "string") {
      return label;
    }
    return label[LANG] || label[LANG === "zh-CN" ? "en" : "zh-CN"] || "";
  }
  function el(tag, attrs, ...children) {
    const made = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => {
      if (value === undefined || value === null || value === false) {
        return;
      }
      if (name === "text") {
        made.textContent = value;
      } else if (name === "className") {
        made.className = value;
      } else if (name === "value") {
        made.value = value;
      } else if (name === "checked") {
        made.checked = Boolean(value);
      } else {
        made.setAttribute(name, value === true ? "" : value);
      }
    });
    children.forEach((child) => child !== null && child !== undefined && made.append(child));
    return made;
  }

  // ------------------------------------------------------------ the app's forms and fields
  function formOf(key) {
    return FORMS.find((f) => f.key === key) || null;
  }
  function recordForm() {
    const trigger = state.spec.trigger;
    if (trigger.on === "schedule") {
      return trigger.for_each ? trigger.for_each.form : null;
    }
    return trigger.form || null;
  }
  function fieldsOf(key) {
    const form = formOf(key);
    return form ? form.fields : [];
  }
  function plainFields(key) {
    return fieldsOf(key).filter((f) => !["subtable", "attachment", "signature", "location"].includes(f.type));
  }
  function typeName(field) {
    if (!field) {
      return "any";
    }
    if (NUMERIC.includes(field.type)) {
      return "number";
    }
    if (field.type === "boolean") {
      return "boolean";
    }
    if (field.type === "date" || field.type === "datetime" || field.type === "time") {
      return field.type;
    }
    if (field.type === "computed") {
      return NUMERIC.includes(field.result_type) ? "number" : field.result_type === "boolean" ? "boolean" : "any";
    }
    if (field.type === "subtable" || field.multiple || field.type === "multi_select" || field.type === "attachment") {
      return "any";
    }
    return "string";
  }
  function contextOf(key) {
    const found = {};
    fieldsOf(key).forEach((f) => {
      found[f.key] = typeName(f);
    });
    return found;
  }

  // The names an expression of the rule may use: the record's fields (given as fields, so they
  // are completed with their labels), `previous`, `event`, the aggregates and named values.
  function ruleNames(extra) {
    const names = { previous: "context", event: "string" };
    if (state.spec.trigger.on === "flow") {
      names.flow = "context";
    }
    (state.spec.aggregates || []).forEach((a) => {
      names[a.name] = a.function === "list" ? "list" : a.function === "count" || a.function === "sum" || a.function === "avg" ? "number" : "any";
    });
    state.spec.let.forEach((b) => {
      if (b && b.name) {
        names[b.name] = "any";
      }
    });
    return Object.assign(names, extra || {});
  }
  function ruleScope(extra) {
    return () => ({ app: APP, fields: fieldsOf(recordForm()), names: ruleNames(extra) });
  }
  function itScope(formKey) {
    return () => {
      const names = { it: contextOf(formKey) };
      if (recordForm()) {
        names.record = contextOf(recordForm());
      }
      return { app: APP, fields: [], names: names };
    };
  }

  // ------------------------------------------------------------ history
  function snapshot() {
    return JSON.stringify(state);
  }
  function change(mutate) {
    past.push(snapshot());
    future.length = 0;
    mutate();
    touched();
    render();
  }
  function touched() {
    dirty = true;
    results = null;
    status(TEXT.unsaved);
    document.getElementById("undo").disabled = past.length === 0;
    document.getElementById("redo").disabled = future.length === 0;
  }
  function undo() {
    if (!past.length) {
      return;
    }
    future.push(snapshot());
    state = parse(past.pop());
    touched();
    render();
  }
  function redo() {
    if (!future.length) {
      return;
    }
    past.push(snapshot());
    state = parse(future.pop());
    touched();
    render();
  }
  // Typing keeps the page as it is (no redraw, the caret stays); the state before the typing
  // goes into the history once, when the input is left.
  let before = null;
  root.addEventListener("focusin", (event) => {
    if (event.target.matches("input, textarea, select")) {
      before = snapshot();
    }
  });
  root.addEventListener("change", (event) => {
    // text typed (the other inputs record their step themselves, through change())
    const typed = event.target.matches("textarea, input:not([type]), input[type=text]");
    if (before !== null && typed && before !== snapshot()) {
      past.push(before);
      future.length = 0;
      document.getElementById("undo").disabled = false;
      before = snapshot();
    }
  });
  function edited() {
    dirty = true;
    results = null;
    status(TEXT.unsaved);
  }

  // ------------------------------------------------------------ problems (pointers → elements)
  function locate(pointer) {
    const parts = (pointer || "").split("/").slice(1);
    if (parts[0] !== "spec") {
      return { place: "rule" };
    }
    const index = Number(parts[2]);
    if (parts[1] === "actions" && parts[2] !== undefined && !Number.isNaN(index)) {
      const action = state.spec.actions[index];
      const rest = parts.slice(3);
      if (action && rest[0] === action.type) {
        rest.shift(); // the name of the action's type, which a shape problem's place carries
      }
      return { place: "action", index: index, name: rest.join("/") };
    }
    if (parts[1] === "actions") {
      return { place: "actions" };
    }
    if (parts[1] === "examples" && parts[2] !== undefined) {
      return { place: "example", index: index, name: parts.slice(3).join("/") };
    }
    if (parts[1] === "let" && parts[2] !== undefined) {
      return { place: "let", index: index };
    }
    if (parts[1] === "condition") {
      return { place: "condition" };
    }
    if (["trigger", "phase", "mode", "aggregates", "calendar"].includes(parts[1])) {
      return { place: "trigger", name: parts.slice(1).join("/") };
    }
    return { place: "rule", name: parts.slice(1).join("/") };
  }
  function describe(where) {
    if (where.place === "action") {
      return say(TEXT.action, { num: where.index + 1 });
    }
    if (where.place === "example") {
      return say(TEXT.example, { num: where.index + 1 });
    }
    if (where.place === "let") {
      return say(TEXT.let, { num: where.index + 1 });
    }
    if (where.place === "condition") {
      return TEXT.condition;
    }
    if (where.place === "trigger") {
      return TEXT.trigger;
    }
    if (where.place === "actions") {
      return document.getElementById("actions-title").textContent;
    }
    return TEXT.wholeRule;
  }
  function problemsAt(place, index) {
    return problems.filter((p) => p.where.place === place && (index === undefined || p.where.index === index));
  }
  function target(where) {
    if (where.place === "action") {
      return document.getElementById("action-" + where.index);
    }
    if (where.place === "example") {
      return document.getElementById("example-" + where.index);
    }
    if (where.place === "condition") {
      return document.getElementById("rule-condition");
    }
    if (where.place === "let") {
      document.getElementById("let-box").open = true;
      return document.getElementById("let-" + where.index);
    }
    if (where.place === "trigger") {
      return document.getElementById("trigger-on");
    }
    if (where.place === "actions") {
      return document.getElementById("new-action-type");
    }
    return null;
  }
  function setProblems(found) {
    problems = (found || []).map((p) => Object.assign({}, p, { where: locate(p.pointer) }));
    const list = document.getElementById("designer-problem-list");
    list.replaceChildren(
      ...problems.map((p) => {
        const item = el("li");
        const link = el("button", { type: "button", className: "link", text: describe(p.where) });
        link.addEventListener("click", () => {
          const found = target(p.where);
          if (found) {
            found.scrollIntoView({ block: "center" });
            found.focus();
          }
        });
        item.append(link, ": " + p.message + " ");
        item.append(el("span", { className: "mono small", text: "(" + p.code + (p.where.name ? ", " + p.where.name : "") + ")" }));
        return item;
      }),
    );
    document.getElementById("designer-problems").hidden = problems.length === 0;
  }
  function showProblems(box, found) {
    box.textContent = found.map((p) => p.message + " (" + p.code + ")").join("\n");
    box.hidden = found.length === 0;
  }

  // ------------------------------------------------------------ small builders
  function button(text, className, onClick, attrs) {
    const made = el("button", Object.assign({ type: "button", className: className, text: text }, attrs || {}));
    made.addEventListener("click", onClick);
    return made;
  }
  function options(select, entries, chosen, empty) {
    const items = [];
    if (empty !== undefined) {
      items.push(el("option", { value: "", text: empty }));
    }
    entries.forEach(([value, text]) => items.push(el("option", { value: value, text: text })));
    if (chosen && !entries.some(([value]) => value === chosen)) {
      items.push(el("option", { value: chosen, text: chosen }));
    }
    select.replaceChildren(...items);
    select.value = chosen || "";
    return select;
  }
  function fieldChoices(formKey) {
    return plainFields(formKey).map((f) => [f.key, (labelText(f.label) || f.key) + " (" + f.key + ")"]);
  }
  function formChoices() {
    return FORMS.map((f) => [f.key, labelText(f.label) + " (" + f.key + ")"]);
  }
  let boxes = 0;
  // An expression box like the template's macro (static/expression.js checks and completes it).
  function expression(id, labelText_, value, scope, onInput, rows) {
    const box = el("div", { className: "expr-editor", "data-expression": true, "data-check-url": "/design/expression" });
    const input = el("textarea", {
      id: id,
      rows: String(rows || 1),
      className: "expr-input",
      spellcheck: "false",
      autocomplete: "off",
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": id + "-list",
      "aria-describedby": id + "-problem",
    });
    input.value = value || "";
    const problem = el("div", { className: "expr-problem", id: id + "-problem", role: "status", hidden: true }, el("pre", { className: "expr-caret" }), el("p", { className: "expr-message" }));
    if (labelText_) {
      box.append(el("label", { for: id, text: labelText_ }));
    }
    box.append(input, el("ul", { className: "expr-completions", id: id + "-list", role: "listbox", hidden: true }), problem);
    box.brickworkScope = scope;
    input.addEventListener("input", () => {
      onInput(input.value);
      edited();
    });
    boxes += 1;
    return box;
  }
  function textInput(id, text, value, onInput, attrs) {
    const input = el("input", Object.assign({ id: id, value: value || "" }, attrs || {}));
    input.addEventListener("input", () => {
      onInput(input.value);
      edited();
    });
    return el("label", { for: id }, text, input);
  }
  function selectInput(id, text, entries, chosen, onChange, empty) {
    const select = options(el("select", { id: id }), entries, chosen, empty);
    select.addEventListener("change", () => change(() => onChange(select.value)));
    return el("label", { for: id }, text, select);
  }
  function checkList(idPrefix, legend, entries, chosen, onChange) {
    const set = el("fieldset", { id: idPrefix }, el("legend", { text: legend }));
    entries.forEach(([value, text]) => {
      const box = el("input", { type: "checkbox", id: idPrefix + "-" + value, value: value, checked: chosen.includes(value) });
      box.addEventListener("change", () => {
        change(() => {
          const now = entries.map(([v]) => v).filter((v) => (v === value ? box.checked : chosen.includes(v)));
          onChange(now);
        });
      });
      set.append(el("label", { className: "rd-check" }, box, " " + text));
    });
    return set;
  }
  // The pairs of an object (field → expression) as rows, in order; renaming keeps the order.
  function valueRows(idPrefix, values, keyChoices, scope, keyText, valueText) {
    const list = el("ul", { className: "rd-rows", id: idPrefix + "-rows" });
    Object.keys(values).forEach((name, row) => {
      const pick = options(el("select", { id: idPrefix + "-key-" + row, "aria-label": keyText }), keyChoices, name, TEXT.none);
      pick.addEventListener("change", () =>
        change(() => {
          const entries = Object.entries(values).map(([k, v]) => (k === name ? [pick.value || name, v] : [k, v]));
          Object.keys(values).forEach((k) => delete values[k]);
          entries.forEach(([k, v]) => {
            values[k] = v;
          });
        }),
      );
      const box = expression(idPrefix + "-value-" + row, "", values[name], scope, (text) => {
        values[name] = text;
      });
      box.querySelector("textarea").setAttribute("aria-label", valueText + " · " + name);
      const remove = button("×", "fd-tool", () => change(() => delete values[name]), { "aria-label": TEXT.remove + " " + name, id: idPrefix + "-remove-" + row });
      list.append(el("li", { className: "rd-row" }, pick, el("span", { className: "rd-arrow", text: "=" }), box, remove));
    });
    const add = button(TEXT.addValue, "secondary outline small-button", () =>
      change(() => {
        const free = keyChoices.map(([k]) => k).find((k) => !(k in values));
        values[free || "field_" + (Object.keys(values).length + 1)] = "";
      }),
      { id: idPrefix + "-add" },
    );
    return el("div", {}, list, add);
  }

  // ------------------------------------------------------------ the trigger
  function drawTrigger() {
    const trigger = state.spec.trigger;
    document.getElementById("trigger-on").value = trigger.on;
    const box = document.getElementById("trigger-fields");
    const parts = [];
    if (trigger.on === "record" || trigger.on === "manual" || trigger.on === "flow") {
      parts.push(
        selectInput("trigger-form", TEXT.form, formChoices(), trigger.form, (value) => {
          trigger.form = value;
          trigger.fields = [];
          if (trigger.on === "flow") {
            trigger.flow = "";
            trigger.nodes = [];
          }
        }),
      );
    }
    if (trigger.on === "record") {
      trigger.events = trigger.events || ["created", "updated"];
      parts.push(
        checkList(
          "trigger-events",
          TEXT.events,
          ["created", "updated", "deleted"].map((e) => [e, EVENT_NAMES[e]]),
          trigger.events,
          (now) => {
            trigger.events = now;
          },
        ),
      );
      if (trigger.events.includes("updated")) {
        parts.push(
          checkList("trigger-changed", TEXT.changed, fieldChoices(trigger.form), trigger.fields || [], (now) => {
            trigger.fields = now;
          }),
        );
      }
    }
    if (trigger.on === "schedule") {
      parts.push(
        textInput("trigger-cron", TEXT.cron, trigger.cron, (v) => {
          trigger.cron = v;
        }, { className: "mono", placeholder: "0 2 * * *" }),
      );
      parts.push(
        textInput("trigger-timezone", TEXT.timezone, trigger.timezone || "UTC", (v) => {
          trigger.timezone = v;
        }, { placeholder: "Asia/Shanghai" }),
      );
      const each = el("input", { type: "checkbox", role: "switch", id: "trigger-each", checked: Boolean(trigger.for_each) });
      each.addEventListener("change", () =>
        change(() => {
          trigger.for_each = each.checked ? { form: FORMS.length ? FORMS[0].key : "" } : null;
          if (!each.checked) {
            delete trigger.for_each;
          }
        }),
      );
      parts.push(el("label", {}, each, " " + TEXT.each));
      if (trigger.for_each) {
        const loop = trigger.for_each;
        parts.push(
          selectInput("trigger-each-form", TEXT.form, formChoices(), loop.form, (value) => {
            loop.form = value;
          }),
        );
        parts.push(
          expression("trigger-each-where", TEXT.eachWhere, loop.where || "", () => ({ app: APP, fields: [], names: { it: contextOf(loop.form) } }), (text) => {
            if (text.trim()) {
              loop.where = text;
            } else {
              delete loop.where;
            }
          }),
        );
        parts.push(
          textInput("trigger-each-limit", TEXT.limit, loop.limit || "", (v) => {
            if (v) {
              loop.limit = Number(v);
            } else {
              delete loop.limit;
            }
          }, { type: "number", min: "1", max: "100000" }),
        );
      }
    }
    if (trigger.on === "flow") {
      const flows = FLOWS.filter((f) => !f.form || f.form === trigger.form);
      parts.push(
        selectInput("trigger-flow", TEXT.flow, flows.map((f) => [f.key, labelText(f.label) + " (" + f.key + ")"]), trigger.flow, (value) => {
          trigger.flow = value;
          trigger.nodes = [];
        }, TEXT.none),
      );
      trigger.events = trigger.events || ["finished"];
      parts.push(
        checkList(
          "trigger-flow-events",
          TEXT.events,
          ["started", "node_entered", "approved", "rejected", "finished"].map((e) => [e, EVENT_NAMES[e]]),
          trigger.events,
          (now) => {
            trigger.events = now;
          },
        ),
      );
      const flow = FLOWS.find((f) => f.key === trigger.flow);
      if (flow && flow.nodes.length) {
        parts.push(
          checkList("trigger-nodes", TEXT.nodes, flow.nodes.map((n) => [n, n]), trigger.nodes || [], (now) => {
            trigger.nodes = now;
          }),
        );
      }
    }
    box.replaceChildren(...parts);
    const phased = trigger.on === "record";
    document.getElementById("phase-box").hidden = !phased;
    const phase = state.spec.phase || "after_save";
    document.getElementById("phase-before").checked = phase === "before_save";
    document.getElementById("phase-after").checked = phase === "after_save";
    document.getElementById("mode-box").hidden = !phased || phase !== "after_save";
    document.getElementById("rule-mode").value = state.spec.mode || "same_transaction";
    showProblems(document.getElementById("trigger-problems"), problemsAt("trigger"));
    document.getElementById("rd-trigger").classList.toggle("has-problem", problemsAt("trigger").length > 0);
  }
  function defaultTrigger(on) {
    const form = recordForm() || (FORMS.length ? FORMS[0].key : "");
    if (on === "schedule") {
      return { on: on, cron: "0 2 * * *", timezone: "Asia/Shanghai", for_each: { form: form } };
    }
    if (on === "manual") {
      return { on: on, form: form };
    }
    if (on === "flow") {
      return { on: on, form: form, flow: "", events: ["finished"] };
    }
    return { on: "record", form: form, events: ["created", "updated"] };
  }

  // ------------------------------------------------------------ named values
  function drawLet() {
    const list = document.getElementById("let-list");
    list.replaceChildren(
      ...state.spec.let.map((binding, index) => {
        const name = el("input", { id: "let-" + index, className: "mono", value: binding.name || "", "aria-label": TEXT.name, pattern: "[a-z][a-z0-9_]{0,62}" });
        name.addEventListener("input", () => {
          binding.name = name.value;
          edited();
        });
        const box = expression("let-expr-" + index, "", binding.expression, ruleScope(), (text) => {
          binding.expression = text;
        });
        box.querySelector("textarea").setAttribute("aria-label", TEXT.formula);
        const remove = button("×", "fd-tool", () => change(() => state.spec.let.splice(index, 1)), { "aria-label": TEXT.remove, id: "let-remove-" + index });
        const row = el("li", { className: "rd-row" + (problemsAt("let", index).length ? " has-problem" : "") }, name, el("span", { className: "rd-arrow", text: "=" }), box, remove);
        return row;
      }),
    );
    document.getElementById("let-count").textContent = state.spec.let.length ? "(" + state.spec.let.length + ")" : "";
    const aggregates = (state.spec.aggregates || []).length;
    const note = document.getElementById("aggregates-note");
    note.hidden = aggregates === 0;
    note.textContent = say(TEXT.aggregates, { num: aggregates });
    if (problemsAt("let").length) {
      document.getElementById("let-box").open = true;
    }
  }

  // ------------------------------------------------------------ actions
  function allowed() {
    const on = state.spec.trigger.on;
    if (on === "record" && (state.spec.phase || "after_save") === "before_save") {
      return BEFORE;
    }
    return AFTER;
  }
  function newAction(type) {
    const form = recordForm();
    const first = plainFields(form)[0];
    switch (type) {
      case "set_fields":
        return { type: type, values: first ? { [first.key]: "" } : {} };
      case "block":
        return { type: type, message: "" };
      case "call_decision": {
        const model = DECISIONS[0];
        const inputs = {};
        (model ? model.inputs : []).forEach((name) => {
          inputs[name] = plainFields(form).some((f) => f.key === name) ? name : "";
        });
        return { type: type, model: model ? model.key : "", inputs: inputs, outputs: first ? { [first.key]: "result" } : {} };
      }
      case "raise_alert":
        return { type: type, form: form || "", values: {} };
      case "create_record":
      case "update_records": {
        const made = { type: type, form: form || "", values: first ? { [first.key]: "" } : {} };
        if (type === "update_records") {
          made.where = first ? "it." + first.key + " = record." + first.key : "true";
        }
        return made;
      }
      case "notify":
        return { type: type, channel: "in_app", to: [{ owner: true }], subject: "", body: "" };
      default:
        return { type: "start_flow", flow: (FLOWS.find((f) => f.form === form) || FLOWS[0] || { key: "" }).key };
    }
  }
  function move(index, step) {
    const to = index + step;
    if (to < 0 || to >= state.spec.actions.length) {
      return;
    }
    change(() => {
      const [moved] = state.spec.actions.splice(index, 1);
      state.spec.actions.splice(to, 0, moved);
    });
    const card = document.getElementById("action-" + to);
    const again = card && card.querySelector(step < 0 ? ".rd-up" : ".rd-down");
    (again && !again.disabled ? again : card).focus();
  }
  function actionBody(action, index) {
    const id = "action-" + index;
    const form = recordForm();
    const parts = [];
    if (action.type === "set_fields") {
      action.values = action.values || {};
      parts.push(valueRows(id + "-values", action.values, fieldChoices(form), ruleScope(), TEXT.field, TEXT.value));
    } else if (action.type === "block") {
      parts.push(
        textInput(id + "-message", TEXT.message, action.message, (v) => {
          action.message = v;
        }, { maxlength: "500" }),
      );
      parts.push(
        selectInput(id + "-field", TEXT.pointAt, fieldChoices(form), action.field, (value) => {
          if (value) {
            action.field = value;
          } else {
            delete action.field;
          }
        }, TEXT.none),
      );
    } else if (action.type === "raise_alert" || action.type === "create_record" || action.type === "update_records") {
      parts.push(
        selectInput(id + "-form", TEXT.form, formChoices(), action.form, (value) => {
          action.form = value;
          action.values = {};
        }),
      );
      if (action.type === "update_records") {
        parts.push(
          expression(id + "-where", TEXT.where, action.where, itScope(action.form), (text) => {
            action.where = text;
          }),
        );
      }
      action.values = action.values || {};
      parts.push(valueRows(id + "-values", action.values, fieldChoices(action.form), ruleScope(), TEXT.field, TEXT.value));
      if (action.type === "raise_alert") {
        parts.push(
          expression(id + "-dedupe", TEXT.dedupe, action.dedupe || "", ruleScope(), (text) => {
            if (text.trim()) {
              action.dedupe = text;
            } else {
              delete action.dedupe;
            }
          }),
        );
      }
    } else if (action.type === "call_decision") {
      const model = DECISIONS.find((d) => d.key === action.model);
      parts.push(
        selectInput(id + "-model", TEXT.model, DECISIONS.map((d) => [d.key, labelText(d.label) + " (" + d.key + ")"]), action.model, (value) => {
          action.model = value;
          const found = DECISIONS.find((d) => d.key === value);
          action.inputs = {};
          (found ? found.inputs : []).forEach((name) => {
            action.inputs[name] = plainFields(form).some((f) => f.key === name) ? name : "";
          });
          delete action.decision;
        }, TEXT.none),
      );
      if (model && model.decisions.length > 1) {
        parts.push(
          selectInput(id + "-decision", TEXT.decision, model.decisions.map((d) => [d, d]), action.decision, (value) => {
            action.decision = value || null;
          }, TEXT.none),
        );
      }
      action.inputs = action.inputs || {};
      const inputChoices = (model ? model.inputs : Object.keys(action.inputs)).map((n) => [n, n]);
      parts.push(el("p", { className: "muted small", text: TEXT.inputs }));
      parts.push(valueRows(id + "-inputs", action.inputs, inputChoices, ruleScope(), TEXT.field, TEXT.value));
      parts.push(el("p", { className: "muted small", text: TEXT.outputs + (model && model.outputs.length ? " · " + model.outputs.join(", ") : "") }));
      action.outputs = action.outputs || {};
      parts.push(valueRows(id + "-outputs", action.outputs, fieldChoices(form), ruleScope({ result: "any" }), TEXT.field, TEXT.value));
    } else if (action.type === "notify") {
      parts.push(
        selectInput(id + "-channel", TEXT.channel, [["in_app", TEXT.inApp], ["email", TEXT.email], ["webhook", TEXT.webhook]], action.channel || "in_app", (value) => {
          action.channel = value;
          if (value === "webhook") {
            action.to = [];
          } else {
            delete action.webhook;
          }
        }),
      );
      if (action.channel === "webhook") {
        parts.push(
          textInput(id + "-webhook", TEXT.webhookKey, action.webhook, (v) => {
            action.webhook = v;
          }, { className: "mono" }),
        );
      } else {
        action.to = action.to || [];
        const list = el("ul", { className: "rd-rows", id: id + "-to" });
        action.to.forEach((recipient, row) => {
          const kind = recipient.owner ? "owner" : recipient.role !== undefined ? "role" : recipient.field !== undefined ? "field" : "user";
          const pick = options(el("select", { id: id + "-to-kind-" + row, "aria-label": TEXT.recipients }), [["user", TEXT.user], ["role", TEXT.role], ["field", TEXT.fieldUser], ["owner", TEXT.owner]], kind);
          pick.addEventListener("change", () =>
            change(() => {
              action.to[row] = pick.value === "owner" ? { owner: true } : { [pick.value]: "" };
            }),
          );
          const item = el("li", { className: "rd-row" }, pick);
          if (kind === "field") {
            const field = options(el("select", { id: id + "-to-value-" + row, "aria-label": TEXT.field }), fieldChoices(form), recipient.field, TEXT.none);
            field.addEventListener("change", () => change(() => (recipient.field = field.value)));
            item.append(field);
          } else if (kind !== "owner") {
            const value = el("input", { id: id + "-to-value-" + row, value: recipient[kind] || "", className: "mono", "aria-label": kind === "role" ? TEXT.role : TEXT.user });
            value.addEventListener("input", () => {
              recipient[kind] = value.value;
              edited();
            });
            item.append(value);
          }
          item.append(button("×", "fd-tool", () => change(() => action.to.splice(row, 1)), { "aria-label": TEXT.remove }));
          list.append(item);
        });
        parts.push(el("p", { className: "muted small", text: TEXT.recipients }), list);
        parts.push(button(TEXT.addRecipient, "secondary outline small-button", () => change(() => action.to.push({ owner: true })), { id: id + "-add-recipient" }));
      }
      parts.push(
        textInput(id + "-subject", TEXT.subject, action.subject, (v) => {
          action.subject = v;
        }),
      );
      const body = el("textarea", { id: id + "-body", rows: "3" });
      body.value = action.body || "";
      body.addEventListener("input", () => {
        action.body = body.value;
        edited();
      });
      parts.push(el("label", { for: id + "-body" }, TEXT.body, body));
    } else if (action.type === "start_flow") {
      const flows = FLOWS.filter((f) => !f.form || f.form === form);
      parts.push(
        selectInput(id + "-flow", TEXT.flow, flows.map((f) => [f.key, labelText(f.label) + " (" + f.key + ")"]), action.flow, (value) => {
          action.flow = value;
        }, TEXT.none),
      );
    }
    return parts;
  }
  function drawActions() {
    const list = document.getElementById("action-list");
    const count = state.spec.actions.length;
    list.replaceChildren(
      ...state.spec.actions.map((action, index) => {
        const found = problemsAt("action", index);
        const head = el(
          "header",
          { className: "rd-card-head" },
          el("span", { className: "rd-handle", title: TEXT.drag, "aria-hidden": "true", text: "⠿" }),
          el("strong", { text: index + 1 + ". " + (ACTION_NAMES[action.type] || action.type) }),
          el("span", { className: "fd-tools" },
            button("↑", "fd-tool rd-up", () => move(index, -1), { "aria-label": TEXT.up, id: "action-" + index + "-up", disabled: index === 0 }),
            button("↓", "fd-tool rd-down", () => move(index, 1), { "aria-label": TEXT.down, id: "action-" + index + "-down", disabled: index === count - 1 }),
            button("×", "fd-tool", () => change(() => state.spec.actions.splice(index, 1)), { "aria-label": TEXT.remove, id: "action-" + index + "-remove" }),
          ),
        );
        const problemBox = el("p", { className: "fd-problem rd-problems", role: "alert", id: "action-" + index + "-problems" });
        showProblems(problemBox, found);
        return el(
          "li",
          { className: "rd-card" + (found.length ? " has-problem" : ""), id: "action-" + index, tabindex: "-1", "data-type": action.type },
          head,
          problemBox,
          ...actionBody(action, index),
        );
      }),
    );
    if (!count) {
      list.append(el("li", { className: "empty muted", text: TEXT.noActions }));
    }
    const kinds = allowed();
    const picker = document.getElementById("new-action-type");
    const was = picker.value;
    options(picker, kinds.map((k) => [k, ACTION_NAMES[k]]), kinds.includes(was) ? was : kinds[0]);
    showProblems(document.getElementById("actions-problems"), problemsAt("actions"));
    if (sortable) {
      sortable.destroy();
      sortable = null;
    }
    if (typeof Sortable !== "undefined" && count > 1) {
      sortable = Sortable.create(list, {
        handle: ".rd-handle",
        animation: 120,
        forceFallback: true,
        onEnd: (event) => {
          if (event.oldIndex === event.newIndex) {
            return;
          }
          const from = event.oldIndex;
          const to = event.newIndex;
          change(() => {
            const [moved] = state.spec.actions.splice(from, 1);
            state.spec.actions.splice(to, 0, moved);
          });
        },
      });
    }
  }

  // ------------------------------------------------------------ tests (the rule's examples)
  function typedValue(field, text) {
    if (text === "") {
      return null;
    }
    if (field && (NUMERIC.includes(field.type) || (field.type === "computed" && NUMERIC.includes(field.result_type)))) {
      // a JSON number, exactly as typed (the server reads it as a decimal)
      if (/^-?\d{1,40}(\.\d{1,40})?$/.test(text)) {
        return RAW ? JSON.rawJSON(text) : Number(text);
      }
      return text;
    }
    if (field && field.type === "boolean") {
      return text === "true" ? true : text === "false" ? false : text;
    }
    return text;
  }
  function shownValue(value) {
    if (value === null || value === undefined) {
      return "";
    }
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  function drawExamples() {
    const list = document.getElementById("example-list");
    const form = recordForm();
    const fields = plainFields(form);
    const events = state.spec.trigger.on === "record" ? ["created", "updated", "deleted"] : [state.spec.trigger.on === "flow" ? "flow" : state.spec.trigger.on];
    list.replaceChildren(
      ...state.spec.examples.map((example, index) => {
        const id = "example-" + index;
        example.given = example.given || {};
        example.given.record = example.given.record || {};
        example.expect = example.expect || { matched: true };
        const outcome = results && results.items ? results.items.find((r) => r.index === index) : null;
        const found = problemsAt("example", index);
        const name = el("input", { id: id + "-name", value: example.name || "", "aria-label": TEXT.testName, maxlength: "200" });
        name.addEventListener("input", () => {
          example.name = name.value;
          edited();
        });
        const event = options(el("select", { id: id + "-event", "aria-label": TEXT.event }), events.map((e) => [e, EVENT_NAMES[e] || e]), example.given.event || events[0]);
        event.addEventListener("change", () =>
          change(() => {
            example.given.event = event.value;
            if (event.value !== "updated") {
              delete example.given.previous;
            }
          }),
        );
        const head = el(
          "header",
          { className: "rd-card-head" },
          name,
          event,
          outcome ? el("span", { className: "badge " + (outcome.passed ? "rd-pass" : "rd-fail"), id: id + "-result", text: outcome.passed ? TEXT.passed : TEXT.failedTest }) : null,
          el("span", { className: "fd-tools" }, button("×", "fd-tool", () => change(() => state.spec.examples.splice(index, 1)), { "aria-label": TEXT.remove, id: id + "-remove" })),
        );
        // the record's values (and, for an update, what they were before it)
        function valuesOf(name) {
          const box = el("div", { className: "rd-given" });
          fields.forEach((field) => {
            const held = example.given[name] || {};
            const input = el("input", { id: id + "-" + name + "-" + field.key, value: shownValue(held[field.key]) });
            input.addEventListener("input", () => {
              const value = typedValue(field, input.value.trim());
              example.given[name] = example.given[name] || {};
              if (value === null) {
                delete example.given[name][field.key];
              } else {
                example.given[name][field.key] = value;
              }
              edited();
            });
            box.append(el("label", { for: input.id }, labelText(field.label) || field.key, input));
          });
          return box;
        }
        const given = valuesOf("record");
        const previous = example.given.event === "updated" ? [el("p", { className: "muted small", text: TEXT.previous }), valuesOf("previous")] : [];
        const matched = options(el("select", { id: id + "-matched", "aria-label": TEXT.expect }), [["true", TEXT.match], ["false", TEXT.noMatch]], example.expect.matched === false ? "false" : "true");
        matched.addEventListener("change", () => change(() => (example.expect.matched = matched.value === "true")));
        const expect = el("div", { className: "rd-expect" }, el("label", { for: matched.id }, TEXT.expect, matched));
        if (example.expect.matched !== false) {
          const values = example.expect.values || {};
          const first = state.spec.actions[0];
          const target = first && first.values ? Object.keys(first.values) : first && first.outputs ? Object.keys(first.outputs) : [];
          const valueForm = first && first.form ? first.form : form;
          if (target.length) {
            const rows = el("div", { className: "rd-given" });
            target.forEach((key) => {
              const field = fieldsOf(valueForm).find((f) => f.key === key);
              const input = el("input", { id: id + "-expect-" + key, value: shownValue(values[key]) });
              input.addEventListener("input", () => {
                const value = typedValue(field, input.value.trim());
                example.expect.values = example.expect.values || {};
                if (value === null) {
                  delete example.expect.values[key];
                  if (!Object.keys(example.expect.values).length) {
                    delete example.expect.values;
                  }
                } else {
                  example.expect.values[key] = value;
                }
                edited();
              });
              rows.append(el("label", { for: input.id }, (field ? labelText(field.label) : "") || key, input));
            });
            expect.append(el("p", { className: "muted small", text: TEXT.expectValues }), rows);
          }
          if (allowed().includes("block")) {
            expect.append(
              textInput(id + "-blocked", TEXT.expectBlocked, example.expect.blocked || "", (v) => {
                if (v) {
                  example.expect.blocked = v;
                } else {
                  delete example.expect.blocked;
                }
              }),
            );
          }
        }
        const problemBox = el("p", { className: "fd-problem rd-problems", role: "alert", id: id + "-problems" });
        const messages = found.slice();
        if (outcome && !outcome.passed && outcome.message && !found.length) {
          messages.push({ message: outcome.message, code: "E_RULE_EXAMPLE" });
        }
        showProblems(problemBox, messages);
        return el(
          "li",
          { className: "rd-card" + (messages.length ? " has-problem" : ""), id: id, tabindex: "-1" },
          head,
          problemBox,
          el("p", { className: "muted small", text: TEXT.given }),
          given,
          ...previous,
          expect,
        );
      }),
    );
    if (!state.spec.examples.length) {
      list.append(el("li", { className: "empty muted", text: TEXT.noExamples }));
    }
    const summary = document.getElementById("examples-summary");
    summary.textContent = results ? say(TEXT.ran, { passed: results.passed, failed: results.failed }) : state.spec.examples.length ? TEXT.untested : "";
  }

  // ------------------------------------------------------------ drawing
  function render() {
    document.getElementById("rule-label-zh").value = state.label["zh-CN"] || "";
    document.getElementById("rule-label-en").value = state.label.en || "";
    drawTrigger();
    drawLet();
    const condition = document.getElementById("rule-condition");
    if (condition.value !== state.spec.condition) {
      condition.value = state.spec.condition;
      const box = condition.closest("[data-expression]");
      if (box.brickworkCheck) {
        box.brickworkCheck();
      }
    }
    showProblems(document.getElementById("condition-problems"), problemsAt("condition"));
    document.getElementById("rd-condition").classList.toggle("has-problem", problemsAt("condition").length > 0);
    drawActions();
    drawExamples();
    document.getElementById("rd-replay").hidden = !recordForm();
    document.getElementById("rule-shadow").checked = Boolean(state.spec.shadow);
    document.getElementById("shadow-badge").hidden = !state.spec.shadow;
    document.getElementById("rule-from").value = state.spec.effective_from || "";
    document.getElementById("rule-to").value = state.spec.effective_to || "";
    document.getElementById("rule-salience").value = state.spec.salience || 0;
    document.getElementById("undo").disabled = past.length === 0;
    document.getElementById("redo").disabled = future.length === 0;
    if (window.brickworkExpressions) {
      window.brickworkExpressions(root);
    }
  }

  // ------------------------------------------------------------ the server
  async function call(method, url, body) {
    const response = await fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token(), Accept: "application/json", "Accept-Language": document.documentElement.lang || "en" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    let answer = {};
    try {
      answer = await response.json();
    } catch (error) {
      answer = { detail: response.statusText };
    }
    return { status: response.status, ok: response.ok, answer: answer };
  }
  function status(text) {
    document.getElementById("designer-status").textContent = text;
  }
  function cleanSpec() {
    const spec = parse(JSON.stringify(state.spec));
    if (spec.trigger.on !== "record") {
      delete spec.phase;
      delete spec.mode;
    } else if (spec.phase !== "after_save") {
      delete spec.mode;
    }
    ["let", "examples", "aggregates"].forEach((name) => {
      if (Array.isArray(spec[name]) && !spec[name].length) {
        delete spec[name];
      }
    });
    if (!spec.shadow) {
      delete spec.shadow;
    }
    if (!spec.salience) {
      delete spec.salience;
    }
    ["effective_from", "effective_to"].forEach((name) => {
      if (!spec[name]) {
        delete spec[name];
      }
    });
    return spec;
  }
  async function save() {
    status(TEXT.saving);
    const label = {};
    ["zh-CN", "en"].forEach((language) => {
      if ((state.label[language] || "").trim()) {
        label[language] = state.label[language].trim();
      }
    });
    const sent = {
      label: Object.keys(label).length ? label : KEY,
      description: state.description,
      spec: cleanSpec(),
      base_revision: revision,
    };
    const reply = await call("PUT", API, sent);
    if (!reply.ok) {
      status(reply.status === 409 ? TEXT.conflict : say(TEXT.failed, { message: reply.answer.detail || reply.status }));
      if (reply.answer.errors) {
        setProblems(reply.answer.errors);
        render();
      }
      return false;
    }
    revision = reply.answer.draft_revision;
    dirty = false;
    setProblems(reply.answer.problems || []);
    render();
    status(say(TEXT.saved, { rev: revision }) + (problems.length ? " " + say(TEXT.problems, { num: problems.length }) : ""));
    return problems.length === 0;
  }
  async function runExamples() {
    const reply = await call("POST", TRY, { spec: cleanSpec() });
    if (!reply.ok) {
      results = null;
      setProblems(reply.answer.errors || []);
      render();
      status(say(TEXT.failed, { message: reply.answer.detail || reply.status }));
      return;
    }
    setProblems(problems.filter((p) => p.where.place !== "example"));
    render();
    results = reply.answer;
    drawExamples();
    document.getElementById("examples-summary").focus();
  }
  function listChanges(list, changes) {
    list.replaceChildren(
      ...(changes.length ? changes : [TEXT.nochanges]).map((item) =>
        el("li", { text: typeof item === "string" ? item : item.summary || item.message || JSON.stringify(item) }),
      ),
    );
  }
  async function showDiff() {
    if (dirty && !(await save())) {
      return;
    }
    const reply = await call("GET", API + "/diff?from=" + published + "&to=draft");
    listChanges(document.getElementById("diff-list"), reply.ok ? reply.answer.changes || [] : []);
    document.getElementById("diff-panel").hidden = false;
  }
  async function preparePublish() {
    if (!(await save())) {
      return;
    }
    const dry = await call("POST", API + "/publish", { dry_run: true, base_revision: revision });
    if (!dry.ok) {
      setProblems(dry.answer.errors || []);
      render();
      status(say(TEXT.failed, { message: dry.answer.detail || dry.status }));
      const first = problems.length ? target(problems[0].where) : null;
      if (first) {
        first.scrollIntoView({ block: "center" });
      }
      return;
    }
    document.getElementById("publish-steps").replaceChildren(
      ...(dry.answer.steps.length ? dry.answer.steps : [TEXT.nosteps]).map((step) => el("li", { text: step })),
    );
    let changes = [];
    if (published) {
      const diff = await call("GET", API + "/diff?from=" + published + "&to=draft");
      changes = diff.ok ? diff.answer.changes || [] : [];
    }
    listChanges(document.getElementById("publish-changes"), changes);
    document.getElementById("publish-changes-title").hidden = !published;
    document.getElementById("publish-changes").hidden = !published;
    document.getElementById("publish-summary").textContent = labelText(state.label) + " · v" + dry.answer.version;
    document.getElementById("publish-dialog").showModal();
    document.getElementById("publish-confirm").focus();
  }
  async function publish() {
    const note = document.getElementById("publish-note").value;
    const url = approval ? API + "/publish-requests" : API + "/publish";
    const reply = await call("POST", url, { note: note, base_revision: revision });
    document.getElementById("publish-dialog").close();
    if (!reply.ok) {
      setProblems(reply.answer.errors || []);
      render();
      status(say(TEXT.failed, { message: reply.answer.detail || reply.status }));
      return;
    }
    if (approval) {
      status(TEXT.requested);
      return;
    }
    published = reply.answer.version;
    document.getElementById("show-diff").disabled = false;
    document.getElementById("replay-run").disabled = false;
    const waiting = document.getElementById("replay-unpublished");
    if (waiting) {
      waiting.hidden = true;
    }
    status(say(TEXT.published, { num: published }));
  }

  // ------------------------------------------------------------ trying the published rule
  async function replay() {
    const record = document.getElementById("replay-record").value.trim();
    const form = recordForm();
    const out = document.getElementById("replay-result");
    if (!record || !form) {
      document.getElementById("replay-record").focus();
      return;
    }
    const typed = document.getElementById("replay-at").value;
    const at = typed ? new Date(typed) : new Date();
    const url = "/api/v1/apps/" + APP + "/forms/" + form + "/records/" + encodeURIComponent(record) + "/rules/replay";
    const reply = await call("POST", url, { as_of: at.toISOString(), event: document.getElementById("replay-event").value });
    if (!reply.ok) {
      out.replaceChildren(el("p", { className: "fd-problem", text: say(TEXT.failed, { message: reply.answer.detail || reply.status }) }));
      return;
    }
    const item = (reply.answer.items || []).find((found) => found.rule === KEY);
    if (!item) {
      out.replaceChildren(el("p", { id: "replay-verdict", text: TEXT.replayNone }));
      return;
    }
    const parts = [el("strong", { text: say(TEXT.replayVersion, { num: item.version }) })];
    if (item.error) {
      parts.push(el("p", { className: "fd-problem", id: "replay-verdict", text: item.error.message + " (" + item.error.code + ")" }));
    } else {
      if (item.in_force === false) {
        parts.push(el("p", { className: "muted", text: TEXT.replayOutOfForce }));
      }
      const outcome = item.outcome || {};
      parts.push(el("p", { id: "replay-verdict", text: outcome.matched ? TEXT.replayMatched : TEXT.replayUnmatched }));
      if (outcome.matched) {
        const effects = outcome.effects || [];
        parts.push(
          el(
            "ul",
            { id: "replay-effects" },
            ...(effects.length ? effects : [null]).map((effect) =>
              el("li", { text: effect ? (ACTION_NAMES[effect.type] || effect.type) + (effect.values ? " · " + JSON.stringify(effect.values) : effect.message ? " · " + effect.message : "") : TEXT.replayNothing }),
            ),
          ),
        );
      }
      (outcome.diagnostics || []).forEach((d) => parts.push(el("p", { className: "fd-problem", text: d.message + " (" + d.code + ")" })));
    }
    out.replaceChildren(...parts);
  }

  // ------------------------------------------------------------ wiring
  document.getElementById("replay-run").addEventListener("click", replay);
  ["rule-label-zh", "rule-label-en"].forEach((id) => {
    const input = document.getElementById(id);
    input.addEventListener("input", () => {
      state.label[input.dataset.label] = input.value;
      edited();
    });
  });
  document.getElementById("trigger-on").addEventListener("change", (event) =>
    change(() => {
      state.spec.trigger = defaultTrigger(event.target.value);
      if (event.target.value !== "record") {
        state.spec.phase = "after_save";
        state.spec.actions = state.spec.actions.filter((a) => AFTER.includes(a.type));
      }
    }),
  );
  document.querySelectorAll("input[name=phase]").forEach((radio) =>
    radio.addEventListener("change", () =>
      change(() => {
        state.spec.phase = radio.value;
      }),
    ),
  );
  document.getElementById("rule-mode").addEventListener("change", (event) => change(() => (state.spec.mode = event.target.value)));
  const condition = document.getElementById("rule-condition");
  condition.value = state.spec.condition;
  condition.closest("[data-expression]").brickworkScope = ruleScope();
  condition.addEventListener("input", () => {
    state.spec.condition = condition.value;
    edited();
  });
  document.getElementById("add-let").addEventListener("click", () =>
    change(() => state.spec.let.push({ name: "value_" + (state.spec.let.length + 1), expression: "" })),
  );
  document.getElementById("add-action").addEventListener("click", () => {
    const type = document.getElementById("new-action-type").value;
    change(() => state.spec.actions.push(newAction(type)));
    const card = document.getElementById("action-" + (state.spec.actions.length - 1));
    if (card) {
      card.focus();
    }
  });
  document.getElementById("rule-shadow").addEventListener("change", (event) => change(() => (state.spec.shadow = event.target.checked)));
  document.getElementById("rule-from").addEventListener("change", (event) => change(() => (state.spec.effective_from = event.target.value)));
  document.getElementById("rule-to").addEventListener("change", (event) => change(() => (state.spec.effective_to = event.target.value)));
  document.getElementById("rule-salience").addEventListener("change", (event) => change(() => (state.spec.salience = Number(event.target.value) || 0)));
  document.getElementById("add-example").addEventListener("click", () => {
    change(() =>
      state.spec.examples.push({
        name: say(TEXT.example, { num: state.spec.examples.length + 1 }),
        given: { event: state.spec.trigger.on === "record" ? "created" : state.spec.trigger.on, record: {} },
        expect: { matched: true },
      }),
    );
    const name = document.getElementById("example-" + (state.spec.examples.length - 1) + "-name");
    if (name) {
      name.focus();
    }
  });
  document.getElementById("examples-summary").setAttribute("tabindex", "-1");
  document.getElementById("run-examples").addEventListener("click", runExamples);
  document.getElementById("undo").addEventListener("click", undo);
  document.getElementById("redo").addEventListener("click", redo);
  document.getElementById("save-draft").addEventListener("click", save);
  document.getElementById("show-diff").addEventListener("click", showDiff);
  document.getElementById("publish").addEventListener("click", preparePublish);
  document.getElementById("publish-confirm").addEventListener("click", publish);
  document.getElementById("publish-cancel").addEventListener("click", () => document.getElementById("publish-dialog").close());
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, select");
    if (typing || !(event.ctrlKey || event.metaKey)) {
      return;
    }
    if (event.key === "z" && !event.shiftKey) {
      event.preventDefault();
      undo();
    } else if (event.key === "y" || (event.key === "z" && event.shiftKey)) {
      event.preventDefault();
      redo();
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) {
      event.preventDefault();
    }
  });
  setProblems(JSON.parse(root.dataset.problems || "[]").filter((p) => state.spec.actions.length || p.pointer !== "/spec/actions"));
  render();
})();
