// The blocks designer of a flow (DingTalk-style): the block document of the flow's draft drawn
// as a column of cards (start, steps, branches side by side, end) with "+" between every two
// steps, the chosen card's properties in the side panel, undo and redo (Ctrl+Z, Ctrl+Y).
// Saving posts the document to the page's own address; the server compiles it to the graph,
// keeps the draft and answers the problems publishing would find, each placed on its card.
(function () {
  const root = document.getElementById("flow-blocks");
  const flow = document.getElementById("fb-flow");
  if (!root || !flow) {
    return;
  }
  const APP = root.dataset.app;
  const KEY = root.dataset.key;
  const API = "/api/v1/apps/" + APP + "/definitions/flow/" + KEY;
  const SAVE = "/apps/" + APP + "/design/flows/" + KEY + "/blocks";
  const LANG = root.dataset.language;
  const TEXT = document.getElementById("designer-texts").dataset;
  const FIELDS = JSON.parse(root.dataset.fields || "[]");
  const ROLES = JSON.parse(root.dataset.roles || "[]");
  const approval = root.dataset.approval === "true";
  let revision = Number(root.dataset.revision);
  let blocks = JSON.parse(root.dataset.blocks || "{}");
  blocks.steps = blocks.steps || [];
  let cards = JSON.parse(root.dataset.cards || "{}");
  let problems = [];
  let selected = null;
  let dirty = false;
  const past = [];
  const future = [];
  const PEOPLE = ["approval", "task", "cc"];
  const ASSIGNEE_TYPES = ["role", "user", "department_head", "manager", "initiator", "field"];

  // ------------------------------------------------------------ helpers
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

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) {
        continue;
      }
      if (name === "class") {
        node.className = value;
      } else if (name === "text") {
        node.textContent = value;
      } else if (name.startsWith("on")) {
        node.addEventListener(name.slice(2), value);
      } else {
        node.setAttribute(name, value === true ? "" : value);
      }
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  function allIds() {
    const ids = new Set([blocks.start && blocks.start.id, blocks.end && blocks.end.id]);
    walk(blocks.steps, (item) => {
      ids.add(item.id);
      if (item.type === "branches") {
        ids.add(item.join || item.id + "_join");
      }
    });
    return ids;
  }

  function newId(prefix) {
    const taken = allIds();
    let id;
    do {
      id = prefix + "_" + Math.random().toString(36).slice(2, 7).replace(/[^a-z0-9]/g, "a");
    } while (taken.has(id));
    return id;
  }

  // Calls `visit(item, list, index)` for every step, branches block and branch.
  function walk(steps, visit) {
    steps.forEach((step, index) => {
      visit(step, steps, index);
      if (step.type === "branches") {
        step.branches.forEach((branch, at) => {
          visit(branch, step.branches, at, step);
          walk(branch.steps, visit);
        });
      }
    });
  }

  // The item with `id`: {item, list, index, block} (block: the branches block of a branch).
  function find(id) {
    let found = null;
    walk(blocks.steps, (item, list, index, block) => {
      if (item.id === id && !found) {
        found = { item: item, list: list, index: index, block: block || null };
      }
    });
    return found;
  }

  function change(edit) {
    past.push(JSON.stringify(blocks));
    future.length = 0;
    edit();
    dirty = true;
    render();
  }

  // ------------------------------------------------------------ new steps
  function label(zh, en) {
    return { "zh-CN": zh, en: en };
  }

  function made(kind) {
    if (kind === "approval") {
      return {
        id: newId("approval"),
        type: "approval",
        label: label("审批", "Approval"),
        assignees: [{ type: "manager", levels: 1 }],
        mode: "or",
      };
    }
    if (kind === "task") {
      return { id: newId("task"), type: "task", label: label("办理", "Fill-in task"), assignees: [{ type: "initiator" }] };
    }
    if (kind === "cc") {
      return { id: newId("cc"), type: "cc", label: label("抄送", "CC"), assignees: [{ type: "initiator" }] };
    }
    const id = newId("branches");
    return {
      type: "branches",
      id: id,
      kind: "exclusive",
      branches: [
        { id: id + "_1", label: label("条件1", "Condition 1"), condition: null, default: false, steps: [] },
        { id: id + "_2", label: label("其他情况", "Otherwise"), condition: null, default: true, steps: [] },
      ],
    };
  }

  // ------------------------------------------------------------ drawing
  function problemsOf(id) {
    return problems.filter((p) => p.card === id);
  }

  function problemList(id) {
    const own = problemsOf(id);
    if (!own.length) {
      return null;
    }
    return el("ul", { class: "fb-card-problems", role: "list" }, ...own.map((p) => el("li", { text: p.message })));
  }

  function addButton(list, index) {
    const menu = el("div", { class: "fb-add-menu", hidden: true, role: "group", "aria-label": TEXT.add });
    for (const kind of ["approval", "task", "cc", "branches"]) {
      menu.append(
        el("button", {
          type: "button",
          class: "fb-add-kind",
          "data-kind": kind,
          text: TEXT[kind],
          onclick: () => {
            const step = made(kind);
            change(() => list.splice(index, 0, step));
            choose(step.type === "branches" ? step.branches[0].id : step.id);
          },
        }),
      );
    }
    const plus = el("button", {
      type: "button",
      class: "fb-add",
      "aria-label": TEXT.add,
      title: TEXT.add,
      "aria-expanded": "false",
      text: "+",
      onclick: () => {
        const open = menu.hidden;
        document.querySelectorAll(".fb-add-menu").forEach((other) => (other.hidden = true));
        document.querySelectorAll(".fb-add").forEach((other) => other.setAttribute("aria-expanded", "false"));
        menu.hidden = !open;
        plus.setAttribute("aria-expanded", String(open));
        if (open) {
          menu.querySelector("button").focus();
        }
      },
    });
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        menu.hidden = true;
        plus.setAttribute("aria-expanded", "false");
        plus.focus();
      }
    });
    return el("div", { class: "fb-gap" }, el("span", { class: "fb-line", "aria-hidden": "true" }), plus, menu);
  }

  function tools(list, index, id) {
    return el(
      "div",
      { class: "fb-tools" },
      el("button", {
        type: "button",
        class: "fb-tool",
        "aria-label": TEXT.up,
        title: TEXT.up,
        text: "↑",
        disabled: index === 0,
        onclick: (event) => {
          event.stopPropagation();
          change(() => list.splice(index - 1, 0, list.splice(index, 1)[0]));
          focusCard(id);
        },
      }),
      el("button", {
        type: "button",
        class: "fb-tool",
        "aria-label": TEXT.down,
        title: TEXT.down,
        text: "↓",
        disabled: index === list.length - 1,
        onclick: (event) => {
          event.stopPropagation();
          change(() => list.splice(index + 1, 0, list.splice(index, 1)[0]));
          focusCard(id);
        },
      }),
      el("button", {
        type: "button",
        class: "fb-tool danger-text",
        "aria-label": TEXT.remove,
        title: TEXT.remove,
        text: "×",
        onclick: (event) => {
          event.stopPropagation();
          change(() => list.splice(index, 1));
          if (selected === id) {
            selected = null;
          }
          render();
        },
      }),
    );
  }

  function who(assignee) {
    switch (assignee.type) {
      case "role":
        return TEXT.role + ": " + assignee.role;
      case "user":
        return assignee.user;
      case "department_head":
        return assignee.of_field ? TEXT.aDepartmentHead + " (" + assignee.of_field + ")" : TEXT.aDepartmentHead;
      case "manager":
        return say(TEXT.managerLevels, { num: assignee.levels || 1 });
      case "initiator":
        return TEXT.aInitiator;
      case "field":
        return TEXT.field + ": " + assignee.field;
      default:
        return TEXT.aExpression;
    }
  }

  function summary(step) {
    if (PEOPLE.includes(step.type)) {
      const names = (step.assignees || []).map(who);
      return names.length ? names.join(", ") : TEXT.nobody;
    }
    return "";
  }

  // A card: a button that chooses it (its title and a line of detail), then `extra` (its
  // move and remove buttons, the default marker) and the problems found on it.
  function card(attributes, title, detail, id, extra) {
    const own = problemsOf(id);
    const pick = el(
      "button",
      {
        type: "button",
        class: "fb-pick",
        "aria-pressed": selected === id ? "true" : "false",
        "data-pick": id,
        onclick: () => choose(id),
      },
      el("strong", { class: "fb-card-title", text: title }),
      detail ? el("span", { class: "fb-card-detail", text: detail }) : null,
    );
    return el(
      "div",
      Object.assign({ "data-card": id }, attributes, {
        class: (attributes.class || "fb-card") + (selected === id ? " chosen" : "") + (own.length ? " has-problem" : ""),
      }),
      pick,
      extra || null,
      problemList(id),
    );
  }

  function drawSteps(list, into) {
    into.append(addButton(list, 0));
    list.forEach((step, index) => {
      if (step.type === "branches") {
        into.append(drawBlock(step, list, index));
      } else {
        into.append(
          card(
            { "data-type": step.type },
            labelText(step.label) || TEXT[step.type] || step.type,
            summary(step),
            step.id,
            tools(list, index, step.id),
          ),
        );
      }
      into.append(addButton(list, index + 1));
    });
  }

  function conditionText(block, branch) {
    if (block.kind === "parallel") {
      return TEXT.every;
    }
    if (branch.default) {
      return TEXT.whenNone;
    }
    return branch.condition || (block.kind === "inclusive" ? TEXT.every : TEXT.noCondition);
  }

  function drawBlock(block, list, index) {
    const head = card(
      { "data-type": "branches", class: "fb-card fb-block-head" },
      labelText(block.label) || TEXT[block.kind],
      labelText(block.label) ? TEXT[block.kind] : "",
      block.id,
      tools(list, index, block.id),
    );
    const row = el("div", { class: "fb-branches" });
    block.branches.forEach((branch, at) => {
      const column = el("div", { class: "fb-branch" });
      const marker = branch.default ? el("span", { class: "fb-default", text: TEXT.default }) : null;
      const branchCard = card(
        { "data-type": "branch", class: "fb-card fb-branch-card" },
        labelText(branch.label) || TEXT.branch + " " + (at + 1),
        conditionText(block, branch),
        branch.id,
        marker,
      );
      column.append(branchCard);
      const steps = el("div", { class: "fb-steps" });
      drawSteps(branch.steps, steps);
      column.append(steps);
      row.append(column);
    });
    const add = el("button", {
      type: "button",
      class: "secondary outline fb-add-branch",
      text: TEXT.addBranch,
      onclick: () => addBranch(block),
    });
    return el("div", { class: "fb-block", "data-block": block.id }, head, row, el("div", { class: "fb-join" }, add));
  }

  function render() {
    const scroll = window.scrollY;
    flow.replaceChildren();
    flow.append(
      card({ "data-type": "start", class: "fb-card fb-start" }, TEXT.start, "", blocks.start ? blocks.start.id : "start"),
    );
    drawSteps(blocks.steps, flow);
    flow.append(card({ "data-type": "end" }, TEXT.end, TEXT.endHelp, blocks.end ? blocks.end.id : "end"));
    window.scrollTo(0, scroll);
    drawPanel();
    drawProblems();
    document.getElementById("undo").disabled = past.length === 0;
    document.getElementById("redo").disabled = future.length === 0;
    if (dirty) {
      status(TEXT.unsaved);
    }
  }

  function drawProblems() {
    const box = document.getElementById("designer-problems");
    const list = document.getElementById("designer-problem-list");
    list.replaceChildren(
      ...problems.map((p) => {
        const found = p.card ? find(p.card) : null;
        const where = found ? labelText(found.item.label) || found.item.id : p.card || TEXT.wholeFlow;
        const item = el("li", {}, el("strong", { text: where + ": " }), p.message);
        if (p.card) {
          item.append(" ", el("button", { type: "button", class: "fb-tool fb-goto", text: "→", "aria-label": where, onclick: () => focusCard(p.card, true) }));
        }
        return item;
      }),
    );
    box.hidden = problems.length === 0;
  }

  function focusCard(id, select) {
    if (select) {
      choose(id);
    }
    const node = flow.querySelector('[data-pick="' + CSS.escape(id) + '"]');
    if (node) {
      node.focus();
    }
  }

  function choose(id) {
    selected = id;
    render();
    focusCard(id);
  }

  function addBranch(block) {
    const number = block.branches.length + 1;
    const branch = {
      id: newId(block.id.slice(0, 40)),
      label: label("条件" + number, "Condition " + number),
      condition: null,
      default: false,
      steps: [],
    };
    change(() => {
      const defaultAt = block.branches.findIndex((b) => b.default);
      block.branches.splice(defaultAt === -1 ? block.branches.length : defaultAt, 0, branch);
    });
    choose(branch.id);
  }

  // ------------------------------------------------------------ the side panel
  const form = document.getElementById("fb-props");
  const conditionBox = document.querySelector("#p-condition-box [data-expression]");
  const conditionInput = document.getElementById("p-condition");

  function show(selector, visible) {
    form.querySelectorAll(selector).forEach((node) => (node.hidden = !visible));
  }

  function drawPanel() {
    const found = selected ? find(selected) : null;
    document.getElementById("props-empty").hidden = Boolean(found);
    form.hidden = !found;
    if (!found) {
      return;
    }
    const item = found.item;
    const isBranch = Boolean(found.block);
    const kind = isBranch ? "branch" : item.type === "branches" ? "block" : item.type;
    const roles = new Set();
    roles.add(kind);
    if (!isBranch && item.type !== "branches") {
      roles.add("step");
    }
    if (PEOPLE.includes(kind)) {
      roles.add("people");
    }
    if (kind === "approval" && item.mode === "vote") {
      roles.add("vote");
    }
    if (isBranch && found.block.kind !== "parallel") {
      roles.add("deciding");
      if (!item.default) {
        roles.add("condition");
      }
    }
    if (["action", "timer"].includes(kind)) {
      roles.add("other");
    }
    form.querySelectorAll("[data-for]").forEach((node) => {
      if (node.tagName === "OPTION") {
        node.hidden = !node.dataset.for.split(" ").includes(kind);
        node.disabled = node.hidden;
        return;
      }
      node.hidden = !node.dataset.for.split(" ").some((role) => roles.has(role));
    });
    document.getElementById("p-kind").textContent = isBranch ? TEXT.branch : TEXT[item.type === "branches" ? item.kind : item.type] || item.type;
    document.getElementById("p-id").textContent = item.id;
    const names = typeof item.label === "string" ? { "zh-CN": item.label, en: item.label } : item.label || {};
    setValue("p-label-zh", names["zh-CN"] || "");
    setValue("p-label-en", names.en || "");
    if (PEOPLE.includes(kind)) {
      drawAssignees(item);
    }
    if (kind === "approval" || kind === "task") {
      setValue("p-mode", item.mode || "or");
      setValue("p-sla", item.sla && item.sla.working_days ? String(item.sla.working_days) : "");
      document.getElementById("p-sla").disabled = Boolean(item.sla && item.sla.duration);
    }
    if (kind === "approval") {
      setValue("p-pass-ratio", (item.vote && item.vote.pass_ratio) || "");
    }
    if (kind === "block") {
      setValue("p-branch-kind", item.kind);
      document.getElementById("p-add-branch").hidden = false;
    }
    if (isBranch) {
      document.getElementById("p-default").checked = Boolean(item.default);
      if (conditionInput.value !== (item.condition || "") && document.activeElement !== conditionInput) {
        conditionInput.value = item.condition || "";
        if (conditionBox && typeof conditionBox.brickworkCheck === "function") {
          conditionBox.brickworkCheck();
        }
      }
      document.getElementById("p-remove-branch").disabled = found.list.length <= 2;
    }
  }

  function setValue(id, value) {
    const input = document.getElementById(id);
    if (document.activeElement !== input) {
      input.value = value;
    }
  }

  function assigneeInput(assignee, onValue) {
    const id = "p-a-" + Math.random().toString(36).slice(2, 8);
    if (assignee.type === "role") {
      const select = el("select", { id: id, "aria-label": TEXT.role, onchange: () => onValue({ role: select.value }) });
      const known = ROLES.includes(assignee.role) || !assignee.role ? ROLES : [assignee.role, ...ROLES];
      known.forEach((role) => select.append(el("option", { value: role, text: role, selected: role === assignee.role })));
      return select;
    }
    if (assignee.type === "user") {
      const input = el("input", { id: id, "aria-label": TEXT.username, value: assignee.user || "", autocomplete: "off" });
      input.addEventListener("change", () => onValue({ user: input.value.trim() }));
      return input;
    }
    if (assignee.type === "manager") {
      const input = el("input", { id: id, type: "number", min: "1", max: "20", "aria-label": TEXT.levels, value: String(assignee.levels || 1) });
      input.addEventListener("change", () => onValue({ levels: Math.max(1, Math.min(20, Number(input.value) || 1)) }));
      return input;
    }
    if (assignee.type === "field") {
      const select = el("select", { id: id, "aria-label": TEXT.field, onchange: () => onValue({ field: select.value }) });
      const members = FIELDS.filter((f) => f.type === "member");
      if (assignee.field && !members.some((f) => f.key === assignee.field)) {
        members.unshift({ key: assignee.field, label: assignee.field });
      }
      members.forEach((f) => select.append(el("option", { value: f.key, text: f.label + " (" + f.key + ")", selected: f.key === assignee.field })));
      return select;
    }
    if (assignee.type === "expression") {
      return el("code", { class: "small", text: assignee.expression });
    }
    return null;
  }

  function fresh(type) {
    const members = FIELDS.filter((f) => f.type === "member");
    switch (type) {
      case "role":
        return { type: "role", role: ROLES[0] || "" };
      case "user":
        return { type: "user", user: "" };
      case "department_head":
        return { type: "department_head", of: "initiator" };
      case "manager":
        return { type: "manager", levels: 1 };
      case "field":
        return { type: "field", field: members.length ? members[0].key : "" };
      default:
        return { type: "initiator" };
    }
  }

  function drawAssignees(step) {
    const list = document.getElementById("p-assignees");
    list.replaceChildren();
    (step.assignees || []).forEach((assignee, index) => {
      const typeId = "p-a-type-" + index;
      const type = el("select", { id: typeId, "aria-label": TEXT.aRole });
      const types = ASSIGNEE_TYPES.includes(assignee.type) ? ASSIGNEE_TYPES : [assignee.type, ...ASSIGNEE_TYPES];
      const names = {
        role: TEXT.aRole,
        user: TEXT.aUser,
        department_head: TEXT.aDepartmentHead,
        manager: TEXT.aManager,
        initiator: TEXT.aInitiator,
        field: TEXT.aField,
        expression: TEXT.aExpression,
      };
      types.forEach((t) => type.append(el("option", { value: t, text: names[t] || t, selected: t === assignee.type })));
      type.addEventListener("change", () => change(() => (step.assignees[index] = fresh(type.value))));
      const value = assigneeInput(assignee, (patch) => change(() => Object.assign(step.assignees[index], patch)));
      const remove = el("button", {
        type: "button",
        class: "fb-tool danger-text",
        "aria-label": TEXT.remove,
        title: TEXT.remove,
        text: "×",
        onclick: () => change(() => step.assignees.splice(index, 1)),
      });
      list.append(el("li", { class: "fb-assignee" }, type, value, remove));
    });
  }

  function current() {
    return selected ? find(selected) : null;
  }

  function edit(apply) {
    const found = current();
    if (found) {
      change(() => apply(found.item, found));
    }
  }

  function setLabel(language, value) {
    edit((item) => {
      const names = typeof item.label === "string" ? { "zh-CN": item.label, en: item.label } : Object.assign({}, item.label || {});
      if (value.trim()) {
        names[language] = value.trim();
      } else {
        delete names[language];
      }
      if (Object.keys(names).length) {
        item.label = names;
      } else {
        delete item.label;
      }
    });
  }

  document.getElementById("p-label-zh").addEventListener("change", (event) => setLabel("zh-CN", event.target.value));
  document.getElementById("p-label-en").addEventListener("change", (event) => setLabel("en", event.target.value));
  document.getElementById("p-add-assignee").addEventListener("click", () =>
    edit((item) => {
      item.assignees = item.assignees || [];
      item.assignees.push(fresh(ROLES.length ? "role" : "manager"));
    }),
  );
  document.getElementById("p-mode").addEventListener("change", (event) =>
    edit((item) => {
      item.mode = event.target.value;
      if (item.mode === "vote") {
        item.vote = item.vote || { pass_ratio: "0.5" };
      } else {
        delete item.vote;
      }
    }),
  );
  document.getElementById("p-pass-ratio").addEventListener("change", (event) =>
    edit((item) => {
      item.vote = Object.assign({}, item.vote || {}, { pass_ratio: event.target.value.trim() || "0.5" });
    }),
  );
  document.getElementById("p-sla").addEventListener("change", (event) =>
    edit((item) => {
      const days = Number(event.target.value);
      if (days >= 1) {
        item.sla = Object.assign({}, item.sla || {}, { working_days: Math.round(days) });
        delete item.sla.duration;
      } else {
        delete item.sla;
      }
    }),
  );
  document.getElementById("p-branch-kind").addEventListener("change", (event) =>
    edit((block) => {
      block.kind = event.target.value;
      if (block.kind === "parallel") {
        block.branches.forEach((b) => {
          b.condition = null;
          b.default = false;
        });
      } else if (block.kind === "exclusive" && !block.branches.some((b) => b.default)) {
        const last = block.branches[block.branches.length - 1];
        last.default = true;
        last.condition = null;
      }
    }),
  );
  document.getElementById("p-add-branch").addEventListener("click", () => {
    const found = current();
    if (found && found.item.type === "branches") {
      addBranch(found.item);
    }
  });
  document.getElementById("p-default").addEventListener("change", (event) =>
    edit((branch, found) => {
      if (event.target.checked) {
        found.list.forEach((other) => (other.default = false));
        branch.default = true;
        branch.condition = null;
      } else {
        branch.default = false;
      }
    }),
  );
  conditionInput.addEventListener("change", () =>
    edit((branch) => {
      const text = conditionInput.value.trim();
      branch.condition = text ? text : null;
    }),
  );
  document.getElementById("p-remove-branch").addEventListener("click", () => {
    const found = current();
    if (found && found.block && found.list.length > 2) {
      change(() => found.list.splice(found.index, 1));
      selected = found.block.id;
      render();
    }
  });
  form.addEventListener("submit", (event) => event.preventDefault());

  // ------------------------------------------------------------ undo, redo
  function undo() {
    if (past.length) {
      future.push(JSON.stringify(blocks));
      blocks = JSON.parse(past.pop());
      dirty = true;
      render();
    }
  }

  function redo() {
    if (future.length) {
      past.push(JSON.stringify(blocks));
      blocks = JSON.parse(future.pop());
      dirty = true;
      render();
    }
  }

  document.getElementById("undo").addEventListener("click", undo);
  document.getElementById("redo").addEventListener("click", redo);
  document.addEventListener("keydown", (event) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if (!(event.ctrlKey || event.metaKey) || typing) {
      return;
    }
    if (event.key === "z" || event.key === "Z") {
      event.preventDefault();
      (event.shiftKey ? redo : undo)();
    } else if (event.key === "y" || event.key === "Y") {
      event.preventDefault();
      redo();
    }
  });

  // ------------------------------------------------------------ the server
  function status(text) {
    document.getElementById("designer-status").textContent = text;
  }

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

  // Problems of the definition API (pointers under /spec) placed on their cards.
  function onCards(errors) {
    return (errors || []).map((error) => {
      const found = /^\/spec\/(nodes|edges)\/\d+/.exec(error.pointer || "");
      return Object.assign({}, error, { card: found ? cards[found[0]] || null : null });
    });
  }

  async function save() {
    if (document.activeElement && document.activeElement.form === form) {
      document.activeElement.dispatchEvent(new Event("change"));
    }
    status(TEXT.saving);
    const reply = await call("POST", SAVE, { blocks: blocks, base_revision: revision });
    if (!reply.ok || reply.answer.saved === false) {
      problems = reply.answer.problems || [];
      render();
      if (reply.status === 409) {
        status(TEXT.conflict);
      } else if (reply.answer.saved === false) {
        status(TEXT.refused);
      } else {
        status(say(TEXT.failed, { message: reply.answer.message || reply.answer.detail || reply.status }));
      }
      return false;
    }
    revision = reply.answer.draft_revision;
    cards = reply.answer.cards || {};
    problems = reply.answer.problems || [];
    dirty = false;
    render();
    status(say(TEXT.saved, { rev: revision }) + (problems.length ? " " + say(TEXT.problems, { num: problems.length }) : ""));
    return problems.length === 0;
  }

  async function publish() {
    if (!(await save())) {
      return;
    }
    const url = approval ? API + "/publish-requests" : API + "/publish";
    const reply = await call("POST", url, { note: "", base_revision: revision });
    if (!reply.ok) {
      problems = onCards(reply.answer.errors);
      render();
      status(say(TEXT.failed, { message: reply.answer.detail || reply.status }));
      return;
    }
    status(approval ? TEXT.requested : say(TEXT.published, { num: reply.answer.version }));
  }

  document.getElementById("save-draft").addEventListener("click", save);
  document.getElementById("publish").addEventListener("click", publish);
  window.addEventListener("beforeunload", (event) => {
    if (dirty) {
      event.preventDefault();
    }
  });

  problems = JSON.parse(root.dataset.problems || "[]");
  render();
})();
