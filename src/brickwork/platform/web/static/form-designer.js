// The form designer: the draft of a form edited in the page (palette, canvas of sections and
// subtables, properties), kept through the definition API. Drag and drop with SortableJS, and the
// same by keyboard (Enter on a palette type adds it; Alt+arrows move the chosen field; Delete
// removes it). Undo and redo within the page (Ctrl+Z, Ctrl+Y). The server checks everything:
// problems come back with JSON pointers and are shown on their fields and sections.
(function () {
  const root = document.getElementById("designer");
  if (!root) {
    return;
  }
  const APP = root.dataset.app;
  const FORM = root.dataset.form;
  const API = "/api/v1/apps/" + APP + "/definitions/form/" + FORM;
  const LANG = root.dataset.language;
  const TEXT = document.getElementById("designer-texts").dataset;
  const draft = JSON.parse(root.dataset.draft || "{}");
  const otherForms = JSON.parse(root.dataset.forms || "[]");
  const approval = root.dataset.approval === "true";
  let revision = Number(root.dataset.revision);
  let published = root.dataset.version ? Number(root.dataset.version) : null;

  let state = {
    label: draft.label || FORM,
    description: draft.description || "",
    spec: normalise(draft.spec || {}),
  };
  let selected = null; // {kind: "field"|"section", id}
  let problems = [];
  const past = [];
  const future = [];
  let dirty = false;
  let sortables = [];

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

  function newId(prefix) {
    return prefix + Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
  }

  function normalise(spec) {
    const copy = JSON.parse(JSON.stringify(spec));
    copy.fields = copy.fields || [];
    copy.layout = copy.layout || [];
    if (!copy.layout.length) {
      copy.layout.push({
        id: newId("s"),
        label: { "zh-CN": "基本信息", en: "Details" },
        columns: 2,
        fields: [],
      });
    }
    const placed = new Set(copy.layout.flatMap((s) => s.fields));
    const last = copy.layout[copy.layout.length - 1];
    copy.fields.forEach((f) => {
      if (!placed.has(f.key)) {
        last.fields.push(f.key);
      }
    });
    return copy;
  }

  // ------------------------------------------------------------ history
  function snapshot() {
    return JSON.stringify(state);
  }
  function change(mutate) {
    past.push(snapshot());
    future.length = 0;
    mutate();
    dirty = true;
    render();
  }
  function undo() {
    if (!past.length) {
      return;
    }
    future.push(snapshot());
    state = JSON.parse(past.pop());
    dirty = true;
    render();
  }
  function redo() {
    if (!future.length) {
      return;
    }
    past.push(snapshot());
    state = JSON.parse(future.pop());
    dirty = true;
    render();
  }

  // ------------------------------------------------------------ lookups in the state
  function allFields() {
    const found = [];
    state.spec.fields.forEach((f) => {
      found.push({ field: f, parent: null });
      (f.type === "subtable" ? f.fields || [] : []).forEach((c) => found.push({ field: c, parent: f }));
    });
    return found;
  }
  function fieldById(id) {
    return allFields().find((entry) => entry.field.id === id) || null;
  }
  function sectionOf(key) {
    return state.spec.layout.find((s) => s.fields.includes(key)) || null;
  }
  function uniqueKey(base, siblings) {
    const taken = new Set(siblings.map((f) => f.key));
    let n = 1;
    while (taken.has(base + "_" + n)) {
      n += 1;
    }
    return base + "_" + n;
  }

  function newField(item, siblings) {
    const type = item.dataset.type;
    const field = {
      id: newId("f"),
      key: uniqueKey(type === "single_select" || type === "multi_select" ? "choice" : type, siblings),
      type: type,
      label: { "zh-CN": item.dataset.labelZh, en: item.dataset.labelEn },
    };
    if (type === "single_select" || type === "multi_select") {
      field.options = ["A", "B"];
    } else if (type === "computed") {
      field.expression = "0";
      field.result_type = "decimal";
      field.scale = 2;
    } else if (type === "subtable") {
      field.fields = [];
    } else if (type === "lookup") {
      field.target = { form: otherForms.length ? otherForms[0].key : "" };
    }
    return field;
  }

  // ------------------------------------------------------------ adding and moving
  function addField(item, target, index) {
    // target: {section} or {subtable}
    change(() => {
      if (target.subtable) {
        const table = fieldById(target.subtable).field;
        if (item.dataset.type === "subtable") {
          return;
        }
        const made = newField(item, table.fields);
        table.fields.splice(index === undefined ? table.fields.length : index, 0, made);
        selected = { kind: "field", id: made.id };
        return;
      }
      const section = state.spec.layout.find((s) => s.id === target.section);
      const made = newField(item, state.spec.fields);
      state.spec.fields.push(made);
      section.fields.splice(index === undefined ? section.fields.length : index, 0, made.key);
      selected = { kind: "field", id: made.id };
    });
  }

  function targetOfSelection() {
    if (selected && selected.kind === "section") {
      return { section: selected.id };
    }
    if (selected && selected.kind === "field") {
      const entry = fieldById(selected.id);
      if (entry && entry.field.type === "subtable") {
        return { subtable: entry.field.id };
      }
      if (entry && entry.parent) {
        return { subtable: entry.parent.id };
      }
      if (entry) {
        return { section: sectionOf(entry.field.key).id };
      }
    }
    return { section: state.spec.layout[state.spec.layout.length - 1].id };
  }

  // Read the order the drag left in the canvas back into the state (then draw it again).
  function syncFromCanvas() {
    const byId = new Map(allFields().map((entry) => [entry.field.id, entry.field]));
    const top = [];
    const layout = [];
    let refused = false;
    document.querySelectorAll("#canvas-sections .fd-section").forEach((sectionEl) => {
      const section = state.spec.layout.find((s) => s.id === sectionEl.dataset.section);
      const keys = [];
      sectionEl.querySelectorAll(":scope > .fd-drop > .fd-card").forEach((card) => {
        const field = byId.get(card.dataset.id);
        if (field) {
          top.push(field);
          keys.push(field.key);
        }
      });
      layout.push(Object.assign({}, section, { fields: keys }));
    });
    const columns = new Map();
    document.querySelectorAll(".fd-rows").forEach((list) => {
      const inside = [];
      list.querySelectorAll(":scope > .fd-card").forEach((card) => {
        const field = byId.get(card.dataset.id);
        if (field && field.type === "subtable") {
          refused = true;
        } else if (field) {
          inside.push(field);
        }
      });
      columns.set(list.dataset.parent, inside);
    });
    if (refused) {
      render();
      return;
    }
    change(() => {
      top.forEach((f) => {
        if (f.type === "subtable") {
          f.fields = columns.get(f.id) || [];
        }
      });
      state.spec.fields = top;
      state.spec.layout = layout;
    });
  }

  function move(id, step) {
    const entry = fieldById(id);
    if (!entry) {
      return;
    }
    change(() => {
      if (entry.parent) {
        const list = entry.parent.fields;
        const at = list.indexOf(entry.field);
        const to = at + step;
        if (to >= 0 && to < list.length) {
          list.splice(at, 1);
          list.splice(to, 0, entry.field);
        }
        return;
      }
      const section = sectionOf(entry.field.key);
      const at = section.fields.indexOf(entry.field.key);
      const to = at + step;
      if (to >= 0 && to < section.fields.length) {
        section.fields.splice(at, 1);
        section.fields.splice(to, 0, entry.field.key);
      } else {
        // across the section's edge: into the neighbouring section
        const index = state.spec.layout.indexOf(section) + step;
        const next = state.spec.layout[index];
        if (next) {
          section.fields.splice(at, 1);
          if (step < 0) {
            next.fields.push(entry.field.key);
          } else {
            next.fields.unshift(entry.field.key);
          }
        }
      }
    });
    focusCard(id);
  }

  function remove(id) {
    const entry = fieldById(id);
    if (!entry) {
      return;
    }
    change(() => {
      if (entry.parent) {
        entry.parent.fields = entry.parent.fields.filter((f) => f.id !== id);
      } else {
        state.spec.fields = state.spec.fields.filter((f) => f.id !== id);
        state.spec.layout.forEach((s) => {
          s.fields = s.fields.filter((k) => k !== entry.field.key);
        });
      }
      selected = null;
    });
  }

  function focusCard(id) {
    const card = document.querySelector('.fd-card[data-id="' + id + '"]');
    if (card) {
      card.focus();
    }
  }

  // ------------------------------------------------------------ problems (pointers → elements)
  function problemsOf(kind, id) {
    return problems.filter((p) => p.element && p.element.kind === kind && p.element.id === id);
  }
  function locate(pointer) {
    const parts = (pointer || "").split("/").slice(1);
    if (parts[0] !== "spec") {
      return null;
    }
    if (parts[1] === "fields" && parts[2] !== undefined) {
      const field = state.spec.fields[Number(parts[2])];
      if (field && parts[3] === "fields" && parts[4] !== undefined && field.fields) {
        const column = field.fields[Number(parts[4])];
        if (column) {
          return { kind: "field", id: column.id, name: parts.slice(5).join("/") };
        }
      }
      if (field) {
        return { kind: "field", id: field.id, name: parts.slice(3).join("/") };
      }
    }
    if (parts[1] === "validations" && parts[2] !== undefined) {
      const check = (state.spec.validations || [])[Number(parts[2])];
      if (check) {
        return { kind: "validation", id: check.id, name: parts.slice(3).join("/") };
      }
    }
    if (parts[1] === "layout" && parts[2] !== undefined) {
      const section = state.spec.layout[Number(parts[2])];
      if (section) {
        return { kind: "section", id: section.id, name: parts.slice(3).join("/") };
      }
    }
    return null;
  }
  function setProblems(found) {
    problems = found.map((p) => Object.assign({}, p, { element: locate(p.pointer) }));
    const box = document.getElementById("designer-problems");
    const list = document.getElementById("designer-problem-list");
    list.replaceChildren(
      ...problems.map((p) => {
        const item = document.createElement("li");
        const where = p.element ? describe(p.element) : TEXT.wholeForm;
        if (p.element) {
          const link = document.createElement("button");
          link.type = "button";
          link.className = "link";
          link.textContent = where;
          link.addEventListener("click", () => {
            selected = p.element.kind === "validation" ? null : { kind: p.element.kind, id: p.element.id };
            render();
            focusCard(p.element.id);
          });
          item.append(link, ": ");
        } else {
          item.append(where + ": ");
        }
        item.append(p.message + " ");
        const code = document.createElement("span");
        code.className = "mono small";
        code.textContent = "(" + p.code + (p.element && p.element.name ? ", " + p.element.name : "") + ")";
        item.append(code);
        return item;
      }),
    );
    box.hidden = problems.length === 0;
  }
  function describe(element) {
    if (element.kind === "validation") {
      const index = (state.spec.validations || []).findIndex((v) => v.id === element.id);
      return say(TEXT.check, { num: index + 1 });
    }
    if (element.kind === "section") {
      const section = state.spec.layout.find((s) => s.id === element.id);
      return TEXT.section + " " + (labelText(section && section.label) || "");
    }
    const entry = fieldById(element.id);
    return entry ? labelText(entry.field.label) || entry.field.key : element.id;
  }

  // ------------------------------------------------------------ drawing
  function button(text, className, onClick) {
    const made = document.createElement("button");
    made.type = "button";
    made.className = className;
    made.textContent = text;
    made.addEventListener("click", (event) => {
      event.stopPropagation();
      onClick();
    });
    return made;
  }

  function card(field, parent) {
    const item = document.createElement("li");
    item.className = "fd-card";
    item.dataset.id = field.id;
    item.dataset.type = field.type;
    item.tabIndex = 0;
    const chosen = selected && selected.kind === "field" && selected.id === field.id;
    item.setAttribute("aria-selected", chosen ? "true" : "false");
    const own = problemsOf("field", field.id);
    if (own.length) {
      item.classList.add("has-problem");
    }
    const head = document.createElement("div");
    head.className = "fd-card-head";
    const name = document.createElement("span");
    name.className = "fd-label";
    name.textContent = labelText(field.label) || field.key;
    if (field.required) {
      const star = document.createElement("span");
      star.className = "required";
      star.textContent = " *";
      star.title = TEXT.required;
      name.append(star);
    }
    const kind = document.createElement("span");
    kind.className = "badge fd-type";
    const paletteItem = document.querySelector('.palette-item[data-type="' + field.type + '"]');
    kind.textContent = paletteItem ? paletteItem.querySelector("button").textContent : field.type;
    const key = document.createElement("code");
    key.className = "fd-key";
    key.textContent = field.key;
    const tools = document.createElement("span");
    tools.className = "fd-tools";
    tools.append(
      button("↑", "fd-tool", () => move(field.id, -1)),
      button("↓", "fd-tool", () => move(field.id, 1)),
      button("✕", "fd-tool", () => remove(field.id)),
    );
    tools.children[0].setAttribute("aria-label", TEXT.up);
    tools.children[1].setAttribute("aria-label", TEXT.down);
    tools.children[2].setAttribute("aria-label", TEXT.remove);
    head.append(name, kind, key, tools);
    item.append(head);
    if (field.type === "computed") {
      const formula = document.createElement("code");
      formula.className = "fd-formula";
      formula.textContent = "= " + (field.expression || "");
      item.append(formula);
    }
    if (own.length) {
      const message = document.createElement("p");
      message.className = "fd-problem";
      message.textContent = own.map((p) => p.message).join("; ");
      item.append(message);
    }
    if (field.type === "subtable" && !parent) {
      const rows = document.createElement("ol");
      rows.className = "fd-drop fd-rows";
      rows.dataset.parent = field.id;
      rows.dataset.empty = TEXT.emptyRows;
      (field.fields || []).forEach((column) => rows.append(card(column, field)));
      item.append(rows);
    }
    item.addEventListener("click", (event) => {
      event.stopPropagation();
      selected = { kind: "field", id: field.id };
      render();
      focusCard(field.id);
    });
    item.addEventListener("keydown", (event) => {
      if (event.target !== item) {
        return;
      }
      if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
        event.preventDefault();
        move(field.id, event.key === "ArrowUp" ? -1 : 1);
      } else if (event.key === "Delete") {
        event.preventDefault();
        remove(field.id);
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        selected = { kind: "field", id: field.id };
        render();
        focusCard(field.id);
      }
    });
    return item;
  }

  function drawCanvas() {
    sortables.forEach((s) => s.destroy());
    sortables = [];
    const holder = document.getElementById("canvas-sections");
    holder.replaceChildren(
      ...state.spec.layout.map((section) => {
        const box = document.createElement("section");
        box.className = "fd-section";
        box.dataset.section = section.id;
        const chosen = selected && selected.kind === "section" && selected.id === section.id;
        box.classList.toggle("chosen", Boolean(chosen));
        if (problemsOf("section", section.id).length) {
          box.classList.add("has-problem");
        }
        const title = button(
          labelText(section.label) || TEXT.section,
          "fd-section-title",
          () => {
            selected = { kind: "section", id: section.id };
            render();
          },
        );
        const columns = document.createElement("small");
        columns.className = "muted";
        columns.textContent = say(TEXT.columns, { num: section.columns || 2 });
        const head = document.createElement("header");
        head.append(title, " ", columns);
        const list = document.createElement("ol");
        list.className = "fd-drop fd-top cols-" + (section.columns || 2);
        list.dataset.section = section.id;
        list.dataset.empty = TEXT.emptySection;
        section.fields.forEach((key) => {
          const field = state.spec.fields.find((f) => f.key === key);
          if (field) {
            list.append(card(field, null));
          }
        });
        box.append(head, list);
        return box;
      }),
    );
    if (typeof Sortable === "undefined") {
      return;
    }
    holder.querySelectorAll(".fd-drop").forEach((list) => {
      sortables.push(
        Sortable.create(list, {
          group: { name: "fields", pull: true, put: true },
          animation: 120,
          forceFallback: true,
          fallbackOnBody: true,
          swapThreshold: 0.6,
          emptyInsertThreshold: 24,
          onEnd: () => syncFromCanvas(),
        }),
      );
    });
  }

  function drawPanel() {
    const empty = document.getElementById("props-empty");
    const sectionForm = document.getElementById("section-props");
    const fieldForm = document.getElementById("field-props");
    const entry = selected && selected.kind === "field" ? fieldById(selected.id) : null;
    const section =
      selected && selected.kind === "section"
        ? state.spec.layout.find((s) => s.id === selected.id)
        : null;
    empty.hidden = Boolean(entry || section);
    sectionForm.hidden = !section;
    fieldForm.hidden = !entry;
    if (section) {
      fill(sectionForm, section);
    }
    if (!entry && !section) {
      drawValidations();
    }
    if (entry) {
      const field = entry.field;
      fieldForm.querySelectorAll("[data-types]").forEach((el) => {
        const spec = el.dataset.types;
        const types = spec.replace("not:", "").split(" ");
        const listed = types.includes(field.type);
        el.hidden = spec.startsWith("not:") ? listed : !listed;
      });
      const paletteItem = document.querySelector('.palette-item[data-type="' + field.type + '"]');
      document.getElementById("p-type").textContent = paletteItem
        ? paletteItem.querySelector("button").textContent
        : field.type;
      document.getElementById("p-id").textContent = field.id;
      fieldForm.querySelectorAll("select[data-forms]").forEach((target) => {
        if (target.options.length === 1) {
          otherForms.forEach((other) => target.add(new Option(labelText(other.label) + " (" + other.key + ")", other.key)));
        }
      });
      fill(fieldForm, field);
      const own = problemsOf("field", field.id);
      const box = document.getElementById("p-problems");
      box.textContent = own.map((p) => (p.element.name ? p.element.name + ": " : "") + p.message).join("\n");
      box.hidden = own.length === 0;
      fieldForm.querySelectorAll("[data-expression]").forEach((editor) => {
        editor.brickworkScope = () => ({ fields: state.spec.fields, row: entry.parent ? entry.parent.key : undefined });
        const input = editor.querySelector("textarea");
        const value = field[input.name] || "";
        if (input.value !== value || editor.dataset.field !== field.id) {
          input.value = value;
          editor.dataset.field = field.id;
          if (editor.brickworkCheck) {
            editor.brickworkCheck();
          }
        }
      });
    }
  }

  // ------------------------------------------------------------ the live preview
  let previewOn = false;
  let previewTimer = null;
  let previewAsked = 0;
  const sample = {}; // key -> typed text (a subtable: key -> {column: text}, its first row)

  function previewInput(field, id, value, onInput) {
    let input;
    if (field.type === "single_select") {
      input = document.createElement("select");
      input.append(new Option("—", ""));
      (field.options || []).forEach((o) => {
        const valueOf = typeof o === "object" ? o.value : o;
        input.append(new Option(typeof o === "object" ? labelText(o.label) || String(valueOf) : String(o), String(valueOf)));
      });
    } else if (field.type === "boolean") {
      input = document.createElement("input");
      input.type = "checkbox";
      input.checked = value === true;
    } else if (field.type === "textarea") {
      input = document.createElement("textarea");
      input.rows = 2;
    } else {
      input = document.createElement("input");
      input.type = field.type === "date" ? "date" : "text";
    }
    input.id = id;
    if (input.type !== "checkbox") {
      input.value = value === undefined ? "" : value;
    }
    if (field.type === "computed" || field.type === "serial_number") {
      input.readOnly = true;
      input.classList.add("computed");
    }
    input.addEventListener(input.tagName === "SELECT" || input.type === "checkbox" ? "change" : "input", () =>
      onInput(input.type === "checkbox" ? input.checked : input.value),
    );
    return input;
  }

  function drawPreview() {
    const form = document.getElementById("preview-form");
    const byKey = new Map(state.spec.fields.map((f) => [f.key, f]));
    const ordered = state.spec.layout.flatMap((s) => s.fields).map((k) => byKey.get(k)).filter(Boolean);
    form.replaceChildren(
      ...ordered.map((field) => {
        const box = document.createElement("div");
        box.className = "preview-field";
        box.dataset.key = field.key;
        const label = document.createElement("label");
        label.textContent = (labelText(field.label) || field.key) + (field.required ? " *" : "");
        box.append(label);
        if (field.type === "subtable") {
          label.textContent += " · " + TEXT.previewRow;
          const row = sample[field.key] || (sample[field.key] = {});
          const cells = document.createElement("div");
          cells.className = "preview-row";
          (field.fields || []).forEach((column) => {
            const cell = document.createElement("label");
            cell.textContent = labelText(column.label) || column.key;
            const id = "preview-" + field.key + "-" + column.key;
            cell.htmlFor = id;
            cell.append(
              previewInput(column, id, row[column.key], (value) => {
                row[column.key] = value;
                askPreview();
              }),
            );
            cells.append(cell);
          });
          box.append(cells);
        } else {
          const id = "preview-" + field.key;
          label.htmlFor = id;
          box.append(
            previewInput(field, id, sample[field.key], (value) => {
              sample[field.key] = value;
              askPreview();
            }),
          );
        }
        const help = labelText(field.help_text);
        if (help) {
          box.append(Object.assign(document.createElement("small"), { textContent: help }));
        }
        box.append(Object.assign(document.createElement("p"), { className: "preview-error" }));
        return box;
      }),
    );
    askPreview();
  }

  function sampleValues() {
    const values = {};
    state.spec.fields.forEach((field) => {
      const given = sample[field.key];
      if (field.type === "subtable") {
        const row = Object.fromEntries(Object.entries(given || {}).filter(([, v]) => v !== "" && v !== undefined));
        values[field.key] = Object.keys(row).length ? [row] : [];
      } else if (given !== undefined && given !== "" && field.type !== "computed" && field.type !== "serial_number") {
        values[field.key] = given;
      }
    });
    return values;
  }

  function askPreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(runPreview, 300);
  }

  async function runPreview() {
    const number = ++previewAsked;
    const reply = await call("POST", "/apps/" + APP + "/design/forms/" + FORM + "/preview", {
      spec: state.spec,
      values: sampleValues(),
    });
    if (number !== previewAsked || !previewOn) {
      return;
    }
    const problem = document.getElementById("preview-problem");
    const boxes = document.querySelectorAll("#preview-form .preview-field");
    if (!reply.ok) {
      problem.textContent = (reply.answer.message || reply.status) + (reply.answer.errors || []).map((e) => "\n" + e.pointer + ": " + e.message).join("");
      problem.hidden = false;
      return;
    }
    problem.hidden = true;
    const answer = reply.answer;
    const hidden = new Set(answer.hidden);
    boxes.forEach((box) => {
      const key = box.dataset.key;
      const field = state.spec.fields.find((f) => f.key === key);
      box.classList.toggle("preview-hidden", hidden.has(key));
      box.title = hidden.has(key) ? TEXT.previewHidden : "";
      const input = box.querySelector(":scope > input.computed");
      if (input && field) {
        const value = answer.values[key];
        input.value = value === null || value === undefined ? "" : String(value);
      }
      const messages = answer.errors
        .filter((e) => e.pointer === "/" + key || e.pointer.startsWith("/" + key + "/"))
        .map((e) => e.message);
      box.querySelector(".preview-error").textContent = messages.join(" ");
    });
    const general = answer.errors.filter((e) => !boxes.length || ![...boxes].some((b) => e.pointer === "/" + b.dataset.key || e.pointer.startsWith("/" + b.dataset.key + "/")));
    document.getElementById("preview-status").textContent =
      (answer.ok ? TEXT.previewOk : say(TEXT.previewErrors, { num: answer.errors.length })) +
      general.map((e) => " " + e.message).join("");
    root.dataset.previewed = String(number);
  }

  // ------------------------------------------------------------ checks of the whole record
  function drawValidations() {
    const list = document.getElementById("form-validations");
    const template = document.getElementById("validation-template");
    const checks = state.spec.validations || [];
    list.replaceChildren(
      ...checks.map((check, index) => {
        const holder = document.createElement("div");
        holder.innerHTML = template.innerHTML.replaceAll("INDEX", String(index));
        const item = holder.firstElementChild;
        item.dataset.validation = check.id;
        item.querySelectorAll("[data-vprop]").forEach((input) => {
          const prop = input.dataset.vprop;
          if (prop === "fields") {
            input.value = (check.fields || []).join(", ");
          } else if (prop === "severity") {
            input.value = check.severity || "error";
          } else {
            const language = prop.slice("message.".length);
            input.value = typeof check.message === "string" ? (language === "zh-CN" ? check.message : "") : (check.message || {})[language] || "";
          }
        });
        item.querySelector("textarea").value = check.expression || "";
        const own = problemsOf("validation", check.id);
        const box = item.querySelector("[data-validation-problems]");
        box.textContent = own.map((p) => (p.element.name ? p.element.name + ": " : "") + p.message).join("\n");
        box.hidden = own.length === 0;
        return item;
      }),
    );
    list.querySelectorAll("[data-expression]").forEach((editor) => {
      editor.brickworkScope = () => ({ fields: state.spec.fields });
    });
    if (window.brickworkExpressions) {
      window.brickworkExpressions(list);
    }
  }

  function validationOf(element) {
    const item = element.closest("[data-validation]");
    return item ? (state.spec.validations || []).find((v) => v.id === item.dataset.validation) : null;
  }

  function writeValidation(input) {
    const check = validationOf(input);
    if (!check) {
      return;
    }
    if (input.tagName === "TEXTAREA") {
      check.expression = input.value;
    } else if (input.dataset.vprop === "fields") {
      const keys = input.value.split(",").map((k) => k.trim()).filter(Boolean);
      if (keys.length) {
        check.fields = keys;
      } else {
        delete check.fields;
      }
    } else if (input.dataset.vprop === "severity") {
      if (input.value === "warning") {
        check.severity = "warning";
      } else {
        delete check.severity;
      }
    } else {
      writeText(check, "message", input.dataset.vprop.slice("message.".length), input.value === "" ? undefined : input.value);
    }
    dirty = true;
    status(TEXT.unsaved);
  }

  function read(object, path) {
    return path.split(".").reduce((value, part) => (value == null ? undefined : value[part]), object);
  }

  function fill(form, object) {
    form.querySelectorAll("[data-prop]").forEach((input) => {
      if (document.activeElement === input) {
        return;
      }
      const prop = input.dataset.prop;
      const bilingual = /^(label|help_text|message)\.(.+)$/.exec(prop);
      const value =
        bilingual && typeof object[bilingual[1]] === "string"
          ? bilingual[2] === "zh-CN"
            ? object[bilingual[1]]
            : ""
          : read(object, prop);
      if (input.type === "checkbox") {
        input.checked = Boolean(value);
      } else if (input.hasAttribute("data-options")) {
        input.value = (object.options || [])
          .map((o) => (typeof o === "string" ? o : [o.value, (o.label && o.label["zh-CN"]) || "", (o.label && o.label.en) || ""].join("|")))
          .join("\n");
      } else {
        input.value = value === undefined || value === null ? "" : String(value);
      }
    });
  }

  function parseOptions(text) {
    return text
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const [value, zh, en] = line.split("|").map((part) => (part || "").trim());
        if (!zh && !en) {
          return value;
        }
        const label = {};
        if (zh) {
          label["zh-CN"] = zh;
        }
        if (en) {
          label.en = en;
        }
        return { value: value, label: label };
      });
  }

  function write(object, input) {
    const prop = input.dataset.prop;
    let value;
    if (input.type === "checkbox") {
      value = input.checked;
    } else if (input.hasAttribute("data-options")) {
      value = parseOptions(input.value);
    } else if (input.hasAttribute("data-number")) {
      value = input.value === "" ? undefined : Number(input.value);
    } else {
      value = input.value === "" ? undefined : input.value;
    }
    const bilingual = /^(label|help_text|message)\.(.+)$/.exec(prop);
    if (bilingual) {
      writeText(object, bilingual[1], bilingual[2], value);
      return;
    }
    if (prop === "key" && selected.kind === "field") {
      const entry = fieldById(selected.id);
      if (!entry.parent) {
        state.spec.layout.forEach((s) => {
          s.fields = s.fields.map((k) => (k === object.key ? value || "" : k));
        });
      }
    }
    const parts = prop.split(".");
    let holder = object;
    parts.slice(0, -1).forEach((part) => {
      holder[part] = holder[part] || {};
      holder = holder[part];
    });
    const last = parts[parts.length - 1];
    if (value === undefined || value === false) {
      delete holder[last];
      if (parts.length > 1 && !Object.keys(holder).length) {
        delete object[parts[0]]; // e.g. options_from with nothing left in it
      }
    } else {
      holder[last] = value;
    }
  }

  // A text in two languages (a label, a help text, a message): one language at a time.
  function writeText(object, name, language, value) {
    const given = object[name];
    const text = typeof given === "string" ? { "zh-CN": given } : Object.assign({}, given || {});
    if (value === undefined) {
      delete text[language];
    } else {
      text[language] = value;
    }
    if (Object.keys(text).length || name === "label") {
      object[name] = text;
    } else {
      delete object[name];
    }
  }

  function current() {
    if (!selected) {
      return null;
    }
    if (selected.kind === "section") {
      return state.spec.layout.find((s) => s.id === selected.id) || null;
    }
    const entry = fieldById(selected.id);
    return entry ? entry.field : null;
  }

  function render() {
    drawCanvas();
    drawPanel();
    if (previewOn) {
      drawPreview();
    }
    document.getElementById("undo").disabled = past.length === 0;
    document.getElementById("redo").disabled = future.length === 0;
    if (dirty) {
      document.getElementById("designer-status").textContent = TEXT.unsaved;
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

  async function save() {
    status(TEXT.saving);
    const sent = {
      label: state.label,
      description: state.description,
      spec: state.spec,
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
    status(
      say(TEXT.saved, { rev: revision }) +
        (problems.length ? " " + say(TEXT.problems, { num: problems.length }) : ""),
    );
    return problems.length === 0;
  }

  function listChanges(list, changes) {
    list.replaceChildren(
      ...(changes.length ? changes : [TEXT.nochanges]).map((change) => {
        const item = document.createElement("li");
        item.textContent = typeof change === "string" ? change : change.summary || change.message || JSON.stringify(change);
        return item;
      }),
    );
  }

  async function showDiff() {
    if (dirty && !(await save())) {
      return;
    }
    const reply = await call("GET", API + "/diff?from=" + published + "&to=draft");
    const panel = document.getElementById("diff-panel");
    listChanges(document.getElementById("diff-list"), reply.ok ? reply.answer.changes || [] : []);
    panel.hidden = false;
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
      return;
    }
    const steps = document.getElementById("publish-steps");
    steps.replaceChildren(
      ...(dry.answer.steps.length ? dry.answer.steps : [TEXT.nosteps]).map((step) => {
        const item = document.createElement("li");
        item.textContent = step;
        return item;
      }),
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
    const line = document.getElementById("designer-status");
    if (approval) {
      line.textContent = TEXT.requested;
      return;
    }
    published = reply.answer.version;
    document.getElementById("show-diff").disabled = false;
    line.textContent = say(TEXT.published, { num: published }) + " ";
    const link = document.createElement("a");
    link.href = "/apps/" + APP + "/forms/" + FORM;
    link.id = "published-records";
    link.textContent = TEXT.records;
    line.append(link);
  }

  // ------------------------------------------------------------ wiring
  const fieldForm = document.getElementById("field-props");
  const sectionForm = document.getElementById("section-props");
  [fieldForm, sectionForm].forEach((form) => {
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("focusin", (event) => {
      if (event.target.dataset && event.target.dataset.prop) {
        event.target.dataset.before = snapshot();
      }
    });
    const apply = (event) => {
      const input = event.target;
      const object = current();
      if (!object || !input.dataset.prop) {
        return;
      }
      if (event.type === "change" && input.dataset.before) {
        if (input.dataset.before !== snapshot()) {
          past.push(input.dataset.before);
          future.length = 0;
        }
        input.dataset.before = snapshot();
      }
      write(object, input);
      dirty = true;
      if (event.type === "input") {
        // not on "change": that fires as the field loses focus, often to a click on the canvas,
        // which must find the cards it pressed on still there
        drawCanvas();
        if (previewOn) {
          drawPreview();
        }
      }
      document.getElementById("undo").disabled = past.length === 0;
      status(TEXT.unsaved);
    };
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
  });
  fieldForm.querySelectorAll("[data-expression] textarea").forEach((input) => {
    input.addEventListener("input", () => {
      const object = current();
      if (object) {
        if (input.value.trim()) {
          object[input.name] = input.value;
        } else {
          delete object[input.name];
        }
        dirty = true;
        drawCanvas();
        if (previewOn) {
          askPreview();
        }
        status(TEXT.unsaved);
      }
    });
  });
  document.getElementById("s-remove").addEventListener("click", () => {
    if (state.spec.layout.length < 2 || !selected) {
      return;
    }
    change(() => {
      const index = state.spec.layout.findIndex((s) => s.id === selected.id);
      const [gone] = state.spec.layout.splice(index, 1);
      state.spec.layout[Math.max(0, index - 1)].fields.push(...gone.fields);
      selected = null;
    });
  });
  document.getElementById("p-remove").addEventListener("click", () => selected && remove(selected.id));
  const checksList = document.getElementById("form-validations");
  checksList.addEventListener("focusin", (event) => {
    event.target.dataset.before = snapshot();
  });
  checksList.addEventListener("input", (event) => writeValidation(event.target));
  checksList.addEventListener("change", (event) => {
    const input = event.target;
    if (input.dataset.before && input.dataset.before !== snapshot()) {
      past.push(input.dataset.before);
      future.length = 0;
      input.dataset.before = snapshot();
      document.getElementById("undo").disabled = false;
    }
  });
  checksList.addEventListener("click", (event) => {
    if (!event.target.matches("[data-remove-validation]")) {
      return;
    }
    const check = validationOf(event.target);
    change(() => {
      state.spec.validations = state.spec.validations.filter((v) => v !== check);
      if (!state.spec.validations.length) {
        delete state.spec.validations;
      }
    });
  });
  document.getElementById("toggle-preview").addEventListener("click", (event) => {
    previewOn = !previewOn;
    event.target.setAttribute("aria-pressed", String(previewOn));
    document.getElementById("preview").hidden = !previewOn;
    if (previewOn) {
      drawPreview();
      document.getElementById("preview").scrollIntoView({ block: "nearest" });
    }
  });
  document.getElementById("show-checks").addEventListener("click", () => {
    selected = null;
    render();
    document.getElementById("add-validation").focus();
  });
  document.getElementById("add-validation").addEventListener("click", () => {
    change(() => {
      state.spec.validations = state.spec.validations || [];
      state.spec.validations.push({ id: newId("v"), expression: "", message: { "zh-CN": TEXT.checkZh, en: TEXT.checkEn } });
      selected = null;
    });
    const boxes = document.querySelectorAll("#form-validations textarea");
    if (boxes.length) {
      boxes[boxes.length - 1].focus();
    }
  });
  document.getElementById("add-section").addEventListener("click", () => {
    change(() => {
      const n = state.spec.layout.length + 1;
      const section = { id: newId("s"), label: { "zh-CN": "分组 " + n, en: "Section " + n }, columns: 2, fields: [] };
      state.spec.layout.push(section);
      selected = { kind: "section", id: section.id };
    });
  });
  document.querySelectorAll(".palette-item").forEach((item) => {
    item.querySelector("button").addEventListener("click", () => {
      const target = targetOfSelection();
      addField(item, target);
    });
  });
  document.getElementById("palette-search").addEventListener("input", (event) => {
    const words = event.target.value.trim().toLowerCase();
    document.querySelectorAll(".palette-group").forEach((group) => {
      let any = false;
      group.querySelectorAll(".palette-item").forEach((item) => {
        const shown = !words || item.dataset.search.toLowerCase().includes(words);
        item.hidden = !shown;
        any = any || shown;
      });
      group.hidden = !any;
    });
  });
  if (typeof Sortable !== "undefined") {
    document.querySelectorAll(".palette-list").forEach((list) => {
      Sortable.create(list, {
        group: { name: "fields", pull: "clone", put: false },
        sort: false,
        animation: 120,
        forceFallback: true,
        fallbackOnBody: true,
        onEnd: (event) => {
          if (event.to.classList.contains("palette-list")) {
            return;
          }
          const target = event.to.dataset.parent
            ? { subtable: event.to.dataset.parent }
            : { section: event.to.dataset.section };
          const index = event.newIndex;
          event.item.remove();
          addField(event.item, target, index);
        },
      });
    });
  }
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
  setProblems(JSON.parse(root.dataset.problems || "[]").filter((p) => state.spec.fields.length || p.pointer !== "/spec/fields"));
  render();
})();
