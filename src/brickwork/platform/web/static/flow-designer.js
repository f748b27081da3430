// The flow designer: the draft of a flow edited in the page (steps from a palette, lines between
// them, each element's properties in the side panel), kept through the definition API. After
// every change the graph the page holds goes to the server, which answers where each node and
// line is drawn and every problem the engine finds (pointers into the graph, shown on the nodes
// and lines); the page never lays out or checks anything itself. Zoom and pan by wheel, drag and
// keyboard; steps dragged from the palette onto a node or a line, or placed by Enter. Undo and
// redo within the page (Ctrl+Z, Ctrl+Y).
(function () {
  const root = document.getElementById("flow-designer");
  if (!root) {
    return;
  }
  const APP = root.dataset.app;
  const FLOW = root.dataset.flow;
  const FORM = root.dataset.form;
  const API = "/api/v1/apps/" + APP + "/definitions/flow/" + FLOW;
  const CHECK = "/apps/" + APP + "/design/flows/" + FLOW + "/check";
  const LANG = root.dataset.language;
  const TEXT = document.getElementById("designer-texts").dataset;
  const TYPE_NAMES = JSON.parse(TEXT.typeNames || "{}");
  const FIELDS = JSON.parse(root.dataset.fields || "[]");
  const ROLES = JSON.parse(root.dataset.roles || "[]");
  const DECISIONS = JSON.parse(root.dataset.decisions || "[]");
  const FORMS = JSON.parse(root.dataset.forms || "[]");
  const WRITES = ["create_record", "update_records"];
  const approval = root.dataset.approval === "true";
  const draft = JSON.parse(root.dataset.draft || "{}");
  const GATEWAYS = ["exclusive", "parallel", "inclusive"];
  const SVG = "http://www.w3.org/2000/svg";
  const CHECK_DELAY = 250;
  let revision = Number(root.dataset.revision);
  let published = root.dataset.version ? Number(root.dataset.version) : null;

  let state = {
    label: draft.label || FLOW,
    description: draft.description || "",
    spec: JSON.parse(JSON.stringify(draft.spec || {})),
  };
  state.spec.nodes = state.spec.nodes || [];
  state.spec.edges = state.spec.edges || [];
  let selected = null; // {kind: "node"|"edge", id}
  let connectFrom = null;
  let drawing = null;
  let problems = [];
  let checked = false;
  let checkTimer = null;
  let asked = 0;
  const view = { k: 1, x: 0, y: 0, moved: false }; // moved: zoomed or panned by the user
  const past = [];
  const future = [];
  let dirty = false;

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
  function byId(id) {
    return document.getElementById(id);
  }
  function status(text) {
    byId("designer-status").textContent = text;
  }

  // ------------------------------------------------------------ the graph
  function node(id) {
    return state.spec.nodes.find((n) => n.id === id) || null;
  }
  function edge(id) {
    return state.spec.edges.find((e) => e.id === id) || null;
  }
  function outgoing(id) {
    return state.spec.edges.filter((e) => e.from === id);
  }
  function freeId(base) {
    const taken = new Set([...state.spec.nodes.map((n) => n.id), ...state.spec.edges.map((e) => e.id)]);
    let n = 1;
    while (taken.has(base + "_" + n)) {
      n += 1;
    }
    return base + "_" + n;
  }
  function edgeId(from, to) {
    const taken = new Set([...state.spec.nodes.map((n) => n.id), ...state.spec.edges.map((e) => e.id)]);
    const base = ("e_" + from + "_" + to).slice(0, 58);
    if (!taken.has(base)) {
      return base;
    }
    let n = 2;
    while (taken.has(base + "_" + n)) {
      n += 1;
    }
    return base + "_" + n;
  }
  function connect(from, to, extra) {
    const made = Object.assign({ id: edgeId(from, to), from: from, to: to }, extra || {});
    state.spec.edges.push(made);
    return made;
  }

  function newNode(button) {
    const type = button.dataset.type;
    const made = { id: freeId(type), type: type };
    if (type !== "end") {
      made.label = { "zh-CN": button.dataset.labelZh, en: button.dataset.labelEn };
    }
    if (type === "approval" || type === "task") {
      made.assignees = [];
      made.mode = "or";
    } else if (type === "cc") {
      made.assignees = [];
    } else if (type === "action") {
      made.actions = [{ type: "set_fields", values: {} }];
    } else if (type === "timer") {
      made.wait = "P1D";
    } else if (type === "subflow") {
      made.flow = "";
      made.version = 1;
    }
    return made;
  }

  // Insert on a line: the line now ends at the new step, a new line goes on to where it went.
  function insertOn(line, made) {
    if (made.type === "end") {
      connect(line.from, made.id);
      return;
    }
    const target = line.to;
    line.to = made.id;
    connect(made.id, target, made.type === "exclusive" ? { default: true } : {});
  }

  function place(button, where) {
    change(() => {
      const made = newNode(button);
      state.spec.nodes.push(made);
      const line = where && where.kind === "edge" ? edge(where.id) : null;
      const after = where && where.kind === "node" ? node(where.id) : null;
      if (line) {
        insertOn(line, made);
      } else if (after && after.type !== "end") {
        const leaving = outgoing(after.id);
        const approved = leaving.filter((e) => e.on !== "rejected");
        const single = GATEWAYS.includes(after.type) ? (leaving.length === 1 ? leaving[0] : null) : approved.length === 1 ? approved[0] : null;
        if (single) {
          insertOn(single, made);
        } else {
          connect(after.id, made.id);
        }
      }
      selected = { kind: "node", id: made.id };
    });
  }

  function removeNode(id) {
    const gone = node(id);
    if (!gone || gone.type === "start") {
      return;
    }
    change(() => {
      const entering = state.spec.edges.filter((e) => e.to === id);
      const leaving = outgoing(id);
      state.spec.nodes = state.spec.nodes.filter((n) => n.id !== id);
      state.spec.edges = state.spec.edges.filter((e) => e.to !== id && e.from !== id);
      if (entering.length === 1 && leaving.length === 1 && entering[0].from !== leaving[0].to) {
        // the line through the step stays: what led to it now leads to where it went
        const kept = Object.assign({}, entering[0], { to: leaving[0].to });
        state.spec.edges.push(kept);
      }
      selected = null;
    });
  }

  function removeEdge(id) {
    change(() => {
      state.spec.edges = state.spec.edges.filter((e) => e.id !== id);
      selected = null;
    });
  }

  function addEdge(from, to) {
    if (!node(from) || !node(to) || from === to) {
      return;
    }
    change(() => {
      const made = connect(from, to);
      selected = { kind: "edge", id: made.id };
    });
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
  function restore(from, to) {
    if (!from.length) {
      return;
    }
    to.push(snapshot());
    state = JSON.parse(from.pop());
    if (selected && !(selected.kind === "node" ? node(selected.id) : edge(selected.id))) {
      selected = null;
    }
    dirty = true;
    render();
  }

  // ------------------------------------------------------------ paths into objects
  function readPath(object, path) {
    return path.split(".").reduce((value, part) => (value && typeof value === "object" ? value[part] : undefined), object);
  }
  function writePath(object, path, value) {
    const parts = path.split(".");
    const chain = [object];
    let here = object;
    parts.slice(0, -1).forEach((part) => {
      if (typeof here[part] !== "object" || here[part] === null) {
        here[part] = {};
      }
      here = here[part];
      chain.push(here);
    });
    const last = parts[parts.length - 1];
    if (value === undefined) {
      delete here[last];
    } else {
      here[last] = value;
    }
    for (let i = parts.length - 2; i >= 0; i -= 1) {
      if (Object.keys(chain[i + 1]).length === 0) {
        delete chain[i][parts[i]];
      }
    }
  }
  function valueOf(input) {
    if (input.type === "checkbox") {
      return input.checked;
    }
    if (input.type === "number") {
      return input.value === "" ? undefined : Number(input.value);
    }
    return input.value.trim() === "" ? undefined : input.value;
  }
  // Booleans that are off unless set: left out of the definition when off.
  const OFF_BY_DEFAULT = ["default", "terminate", "settings.maker_checker"];

  function holder(form, prop) {
    if (form.id === "flow-props") {
      if (prop.startsWith("label.")) {
        if (typeof state.label !== "object" || state.label === null) {
          state.label = { [LANG]: state.label || "" };
        }
        return state;
      }
      return state.spec;
    }
    const object = current();
    if (object && prop.startsWith("label.") && typeof object.label === "string") {
      object.label = { [LANG]: object.label };
    }
    return object;
  }

  function write(form, input) {
    const prop = input.dataset.prop;
    const object = holder(form, prop);
    if (!object) {
      return;
    }
    let value = valueOf(input);
    if (value === false && OFF_BY_DEFAULT.includes(prop)) {
      value = undefined;
    }
    if (prop === "on" && value === undefined) {
      delete object.on;
      return;
    }
    writePath(object, prop, value);
    if (prop === "mode") {
      if (value === "vote" && !object.vote) {
        object.vote = { pass_ratio: "0.5" };
      } else if (value !== "vote") {
        delete object.vote;
      }
    }
    if (prop === "default" && value) {
      delete object.condition;
    }
  }

  function current() {
    if (!selected) {
      return null;
    }
    return selected.kind === "node" ? node(selected.id) : edge(selected.id);
  }

  // ------------------------------------------------------------ problems
  function targetOf(pointer, sent) {
    const found = /^\/spec\/(nodes|edges)\/(\d+)/.exec(pointer || "");
    if (!found) {
      return null;
    }
    const list = sent[found[1]] || [];
    const element = list[Number(found[2])];
    if (!element || typeof element.id !== "string") {
      return null;
    }
    return { kind: found[1] === "nodes" ? "node" : "edge", id: element.id };
  }
  function setProblems(list, sent) {
    problems = list.map((problem) => Object.assign({}, problem, { target: targetOf(problem.pointer, sent) }));
  }
  function problemsOf(target) {
    return problems.filter((p) =>
      target ? p.target && p.target.kind === target.kind && p.target.id === target.id : !p.target,
    );
  }
  function describe(target) {
    if (!target) {
      return TEXT.theFlow;
    }
    if (target.kind === "node") {
      const found = node(target.id);
      const name = found ? labelText(found.label) || TYPE_NAMES[found.type] || target.id : target.id;
      return say(TEXT.nodeName, { id: name });
    }
    return say(TEXT.lineName, { id: target.id });
  }

  function drawProblems() {
    const box = byId("designer-problems");
    const list = byId("designer-problem-list");
    box.hidden = problems.length === 0;
    list.replaceChildren(
      ...problems.map((problem) => {
        const item = document.createElement("li");
        const pick = document.createElement("button");
        pick.type = "button";
        pick.className = "link";
        pick.textContent = describe(problem.target);
        pick.addEventListener("click", () => {
          selected = problem.target;
          render();
        });
        item.append(pick, " " + problem.message + " ", Object.assign(document.createElement("code"), { textContent: problem.code }));
        return item;
      }),
    );
    const own = problemsOf(selected);
    const here = byId("element-problems");
    here.hidden = own.length === 0;
    here.replaceChildren(...own.map((p) => Object.assign(document.createElement("li"), { textContent: p.message })));
    byId("publish").disabled = checked && problems.length > 0;
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

  function scheduleCheck() {
    root.dataset.pending = "true";
    clearTimeout(checkTimer);
    checkTimer = setTimeout(runCheck, CHECK_DELAY);
  }
  async function runCheck() {
    const number = ++asked;
    const sent = JSON.parse(JSON.stringify(state.spec));
    const reply = await call("POST", CHECK, { spec: sent });
    if (number !== asked) {
      return; // a later change asked again
    }
    if (!reply.ok) {
      status(say(TEXT.failed, { message: reply.answer.message || reply.answer.detail || reply.status }));
      return;
    }
    drawing = reply.answer.drawing;
    setProblems(reply.answer.problems || [], sent);
    checked = true;
    root.dataset.pending = "false";
    drawCanvas();
    drawProblems();
  }

  async function save() {
    status(TEXT.saving);
    const reply = await call("PUT", API, {
      label: state.label,
      description: state.description,
      spec: state.spec,
      base_revision: revision,
    });
    if (!reply.ok) {
      status(reply.status === 409 ? TEXT.conflict : say(TEXT.failed, { message: reply.answer.detail || reply.status }));
      return false;
    }
    revision = reply.answer.draft_revision;
    dirty = false;
    await runCheck();
    status(say(TEXT.saved, { rev: revision }) + (problems.length ? " " + say(TEXT.problems, { num: problems.length }) : ""));
    return problems.length === 0;
  }

  function listChanges(list, changes) {
    list.replaceChildren(
      ...(changes.length ? changes : [TEXT.nochanges]).map((item) =>
        Object.assign(document.createElement("li"), {
          textContent: typeof item === "string" ? item : item.summary || item.message || JSON.stringify(item),
        }),
      ),
    );
  }
  async function showDiff() {
    if (dirty && !(await save())) {
      return;
    }
    const reply = await call("GET", API + "/diff?from=" + published + "&to=draft");
    listChanges(byId("diff-list"), reply.ok ? reply.answer.changes || [] : []);
    byId("diff-panel").hidden = false;
  }
  async function preparePublish() {
    if (!(await save())) {
      status(TEXT.invalid);
      return;
    }
    const dry = await call("POST", API + "/publish", { dry_run: true, base_revision: revision });
    if (!dry.ok) {
      setProblems(dry.answer.errors || [], state.spec);
      drawCanvas();
      drawProblems();
      status(say(TEXT.failed, { message: dry.answer.detail || dry.status }));
      return;
    }
    listChanges(byId("publish-steps"), dry.answer.steps.length ? dry.answer.steps : [TEXT.nosteps]);
    let changes = [];
    if (published) {
      const diff = await call("GET", API + "/diff?from=" + published + "&to=draft");
      changes = diff.ok ? diff.answer.changes || [] : [];
    }
    listChanges(byId("publish-changes"), changes);
    byId("publish-changes-title").hidden = !published;
    byId("publish-changes").hidden = !published;
    byId("publish-summary").textContent = labelText(state.label) + " · v" + dry.answer.version;
    byId("publish-dialog").showModal();
    byId("publish-confirm").focus();
  }
  async function publish() {
    const url = approval ? API + "/publish-requests" : API + "/publish";
    const reply = await call("POST", url, { note: byId("publish-note").value, base_revision: revision });
    byId("publish-dialog").close();
    if (!reply.ok) {
      setProblems(reply.answer.errors || [], state.spec);
      drawCanvas();
      drawProblems();
      status(say(TEXT.failed, { message: reply.answer.detail || reply.status }));
      return;
    }
    if (approval) {
      status(TEXT.requested);
      return;
    }
    published = reply.answer.version;
    byId("show-diff").disabled = false;
    status(say(TEXT.published, { num: published }));
  }

  // ------------------------------------------------------------ the canvas
  const svg = byId("flow-svg");
  const viewLayer = byId("flow-view");
  const canvas = byId("flow-canvas");

  function make(tag, attributes, text) {
    const element = document.createElementNS(SVG, tag);
    Object.entries(attributes || {}).forEach(([name, value]) => element.setAttribute(name, value));
    if (text !== undefined) {
      element.textContent = text;
    }
    return element;
  }
  function applyView() {
    viewLayer.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.k + ")");
    root.dataset.zoom = view.k.toFixed(2);
  }
  function fit() {
    if (!drawing) {
      return;
    }
    const box = canvas.getBoundingClientRect();
    const k = Math.min(1.2, (box.width - 16) / Math.max(drawing.width, 1), (box.height - 16) / Math.max(drawing.height, 1));
    view.k = Math.max(0.2, k);
    view.x = (box.width - drawing.width * view.k) / 2;
    view.y = (box.height - drawing.height * view.k) / 2;
    applyView();
  }
  function zoom(factor, cx, cy) {
    const box = canvas.getBoundingClientRect();
    const px = cx === undefined ? box.width / 2 : cx;
    const py = cy === undefined ? box.height / 2 : cy;
    const k = Math.min(4, Math.max(0.2, view.k * factor));
    view.x = px - ((px - view.x) * k) / view.k;
    view.y = py - ((py - view.y) * k) / view.k;
    view.k = k;
    view.moved = true;
    applyView();
  }

  function drawCanvas() {
    if (!drawing) {
      return;
    }
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset : {};
    const faulty = new Set(problems.filter((p) => p.target).map((p) => p.target.kind + ":" + p.target.id));
    const chosen = selected ? selected.kind + ":" + selected.id : "";
    const layer = [];
    drawing.lines.forEach((line) => {
      const group = make("g", {
        class: "flow-edge" + (faulty.has("edge:" + line.id) ? " has-problem" : "") + (chosen === "edge:" + line.id ? " chosen" : ""),
        "data-edge": line.id,
        tabindex: "0",
        role: "button",
        "aria-label": describe({ kind: "edge", id: line.id }) + (line.label ? ": " + line.label : ""),
      });
      group.append(make("path", { d: line.path, class: "flow-line", "marker-end": "url(#flow-arrow)" }));
      group.append(make("path", { d: line.path, class: "flow-hit" }));
      if (line.label) {
        group.append(make("text", { x: line.lx, y: line.ly, class: "flow-edge-label", "text-anchor": "middle" }, line.label));
      }
      layer.push(group);
    });
    drawing.boxes.forEach((box) => {
      const group = make("g", {
        class:
          "flow-node flow-" + box.shape + " type-" + box.type + (faulty.has("node:" + box.id) ? " has-problem" : "") + (chosen === "node:" + box.id ? " chosen" : ""),
        "data-node": box.id,
        tabindex: "0",
        role: "button",
        "aria-label": (TYPE_NAMES[box.type] || box.type) + ": " + box.title,
      });
      group.append(make("title", {}, box.title));
      if (box.shape === "event") {
        group.append(make("circle", { cx: box.x + box.width / 2, cy: box.y + box.height / 2, r: box.width / 2 }));
      } else if (box.shape === "gateway") {
        const cx = box.x + box.width / 2;
        const cy = box.y + box.height / 2;
        group.append(make("polygon", { points: cx + "," + box.y + " " + (box.x + box.width) + "," + cy + " " + cx + "," + (box.y + box.height) + " " + box.x + "," + cy }));
        group.append(make("text", { x: cx, y: cy + 4, "text-anchor": "middle", class: "flow-mark" }, box.type === "parallel" ? "+" : box.type === "inclusive" ? "○" : "×"));
      } else {
        group.append(make("rect", { x: box.x, y: box.y, width: box.width, height: box.height, rx: 6 }));
        group.append(make("text", { x: box.x + 8, y: box.y + 16, class: "flow-type" }, TYPE_NAMES[box.type] || box.type));
        group.append(make("text", { x: box.x + 8, y: box.y + 34, class: "flow-label" }, box.label));
      }
      if (box.shape !== "task") {
        group.append(make("text", { x: box.x + box.width / 2, y: box.y + box.height + 13, "text-anchor": "middle", class: "flow-caption" }, box.label));
      }
      if (faulty.has("node:" + box.id)) {
        group.append(make("circle", { cx: box.x + box.width, cy: box.y, r: 7, class: "flow-badge" }));
        group.append(make("text", { x: box.x + box.width, y: box.y + 4, "text-anchor": "middle", class: "flow-badge-mark" }, "!"));
      }
      layer.push(group);
    });
    viewLayer.replaceChildren(...layer);
    if (!view.moved) {
      fit(); // until the user zooms or pans, the whole graph stays in view
    }
    if (focused.node || focused.edge) {
      const again = viewLayer.querySelector(focused.node ? '[data-node="' + focused.node + '"]' : '[data-edge="' + focused.edge + '"]');
      if (again) {
        again.focus();
      }
    }
  }

  function elementAt(target) {
    const hit = target && target.closest ? target.closest("[data-node], [data-edge]") : null;
    if (!hit) {
      return null;
    }
    return hit.dataset.node ? { kind: "node", id: hit.dataset.node } : { kind: "edge", id: hit.dataset.edge };
  }
  function choose(target) {
    if (connectFrom && target && target.kind === "node") {
      const from = connectFrom;
      stopConnecting();
      addEdge(from, target.id);
      return;
    }
    selected = target;
    render();
  }
  function stopConnecting() {
    connectFrom = null;
    byId("connect-hint").textContent = "";
    canvas.classList.remove("connecting");
  }

  let panning = null;
  svg.addEventListener("pointerdown", (event) => {
    if (elementAt(event.target)) {
      return;
    }
    panning = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, moved: false };
    svg.setPointerCapture(event.pointerId);
  });
  svg.addEventListener("pointermove", (event) => {
    if (!panning) {
      return;
    }
    const dx = event.clientX - panning.x;
    const dy = event.clientY - panning.y;
    panning.moved = panning.moved || Math.abs(dx) + Math.abs(dy) > 3;
    view.x = panning.vx + dx;
    view.y = panning.vy + dy;
    view.moved = view.moved || panning.moved;
    applyView();
  });
  svg.addEventListener("pointerup", () => {
    if (panning && !panning.moved && !connectFrom) {
      selected = null;
      render();
    }
    panning = null;
  });
  svg.addEventListener("click", (event) => {
    const target = elementAt(event.target);
    if (target) {
      choose(target);
    }
  });
  canvas.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const box = canvas.getBoundingClientRect();
      zoom(event.deltaY < 0 ? 1.1 : 1 / 1.1, event.clientX - box.left, event.clientY - box.top);
    },
    { passive: false },
  );
  canvas.addEventListener("keydown", (event) => {
    const target = elementAt(event.target);
    if ((event.key === "Enter" || event.key === " ") && target) {
      event.preventDefault();
      choose(target);
    } else if ((event.key === "Delete" || event.key === "Backspace") && target) {
      event.preventDefault();
      if (target.kind === "node") {
        removeNode(target.id);
      } else {
        removeEdge(target.id);
      }
    } else if (event.key === "+" || event.key === "=") {
      zoom(1.2);
    } else if (event.key === "-") {
      zoom(1 / 1.2);
    } else if (event.key === "0") {
      refit();
    } else if (event.key.startsWith("Arrow") && !target) {
      event.preventDefault();
      const step = 40;
      view.x += event.key === "ArrowLeft" ? step : event.key === "ArrowRight" ? -step : 0;
      view.y += event.key === "ArrowUp" ? step : event.key === "ArrowDown" ? -step : 0;
      view.moved = true;
      applyView();
    }
  });
  svg.addEventListener("dragover", (event) => {
    event.preventDefault();
    const target = elementAt(event.target);
    viewLayer.querySelectorAll(".drop-target").forEach((element) => element.classList.remove("drop-target"));
    if (target) {
      event.target.closest("[data-node], [data-edge]").classList.add("drop-target");
    }
  });
  svg.addEventListener("drop", (event) => {
    event.preventDefault();
    const type = event.dataTransfer.getData("text/plain");
    const button = byId("palette-" + type);
    if (button) {
      place(button, elementAt(event.target));
    }
  });
  document.querySelectorAll(".flow-palette .palette-add").forEach((button) => {
    button.addEventListener("dragstart", (event) => {
      event.dataTransfer.setData("text/plain", button.dataset.type);
      event.dataTransfer.effectAllowed = "copy";
    });
    button.addEventListener("click", () => place(button, selected));
  });
  byId("zoom-in").addEventListener("click", () => zoom(1.2));
  byId("zoom-out").addEventListener("click", () => zoom(1 / 1.2));
  function refit() {
    view.moved = false;
    fit();
  }
  byId("zoom-fit").addEventListener("click", refit);

  // ------------------------------------------------------------ the side panel
  function show(form, object, type) {
    form.querySelectorAll("[data-types]").forEach((element) => {
      const spec = element.dataset.types;
      const names = spec.replace(/^not:/, "").split(" ");
      const listed = names.includes(type);
      element.hidden = spec.startsWith("not:") ? listed : !listed;
    });
    form.querySelectorAll("[data-prop]").forEach((input) => {
      const prop = input.dataset.prop;
      const source = form.id === "flow-props" && prop.startsWith("label.") ? { label: state.label } : object;
      const value = readPath(source, prop);
      if (input.type === "checkbox") {
        input.checked = prop === "vote.early_decision" ? value !== false : Boolean(value);
      } else if (prop.startsWith("label.") && typeof source.label === "string") {
        input.value = prop === "label." + LANG ? source.label : "";
      } else {
        input.value = value === undefined || value === null ? (input.tagName === "SELECT" ? input.options[0].value : "") : value;
      }
    });
  }

  function when(name, object) {
    if (name === "vote") {
      return object.type === "approval" && object.mode === "vote";
    }
    if (name === "sla") {
      return Boolean(object.sla);
    }
    if (name === "escalate") {
      return Boolean(object.sla) && object.sla.on_breach === "escalate";
    }
    if (name === "empty-user") {
      return readPath(state.spec, "settings.empty_assignee.policy") === "user";
    }
    const from = object.from ? node(object.from) : null;
    if (name === "on") {
      return Boolean(from) && from.type === "approval";
    }
    if (name === "condition") {
      return Boolean(from) && (from.type === "exclusive" || from.type === "inclusive");
    }
    return true;
  }
  function showWhen(form, object) {
    form.querySelectorAll("[data-when]").forEach((element) => {
      element.hidden = !when(element.dataset.when, object);
    });
  }

  function option(value, text, chosen) {
    const made = document.createElement("option");
    made.value = value;
    made.textContent = text;
    made.selected = value === chosen;
    return made;
  }
  function nodeOptions(select, chosen, except) {
    select.replaceChildren(
      ...state.spec.nodes
        .filter((n) => n.id !== except)
        .map((n) => option(n.id, (labelText(n.label) || TYPE_NAMES[n.type] || n.type) + " (" + n.id + ")", chosen)),
    );
  }
  function fieldsOf(types) {
    return FIELDS.filter((f) => !types || types.includes(f.type));
  }

  function assigneeRow(list, index) {
    const item = document.createElement("li");
    const entry = list[index];
    const kind = document.createElement("select");
    kind.setAttribute("aria-label", TEXT.aUser);
    [
      ["role", TEXT.aRole],
      ["user", TEXT.aUser],
      ["department_head", TEXT.aHead],
      ["manager", TEXT.aManager],
      ["field", TEXT.aField],
      ["expression", TEXT.aExpression],
      ["initiator", TEXT.aInitiator],
    ].forEach(([value, text]) => kind.append(option(value, text, entry.type)));
    kind.className = "assignee-type";
    kind.addEventListener("change", () =>
      change(() => {
        list[index] = { type: kind.value };
        if (kind.value === "role" && ROLES.length) {
          list[index].role = ROLES[0].key;
        } else if (kind.value === "department_head") {
          list[index].of = "initiator";
        } else if (kind.value === "manager") {
          list[index].levels = 1;
        } else if (kind.value === "field" && fieldsOf(["member"]).length) {
          list[index].field = fieldsOf(["member"])[0].key;
        }
      }),
    );
    item.append(kind);
    const edit = (input, apply) => {
      input.addEventListener("change", () => change(() => apply(input.value)));
      item.append(input);
    };
    if (entry.type === "role") {
      const role = document.createElement("select");
      role.className = "assignee-role";
      role.setAttribute("aria-label", TEXT.aRole);
      if (!ROLES.some((r) => r.key === entry.role)) {
        role.append(option(entry.role || "", entry.role || "", entry.role || ""));
      }
      ROLES.forEach((r) => role.append(option(r.key, r.label + " (" + r.key + ")", entry.role)));
      edit(role, (value) => {
        entry.role = value;
      });
      const where = document.createElement("select");
      where.setAttribute("aria-label", TEXT.anyDepartment);
      where.append(option("", TEXT.anyDepartment, entry.department_field || ""));
      fieldsOf(["department"]).forEach((f) => where.append(option(f.key, f.label, entry.department_field || "")));
      edit(where, (value) => {
        if (value) {
          entry.department_field = value;
        } else {
          delete entry.department_field;
        }
      });
    } else if (entry.type === "user") {
      const user = Object.assign(document.createElement("input"), { value: entry.user || "", className: "mono" });
      user.setAttribute("aria-label", TEXT.aUser);
      edit(user, (value) => {
        entry.user = value.trim();
      });
    } else if (entry.type === "department_head") {
      const of = document.createElement("select");
      of.setAttribute("aria-label", TEXT.aHead);
      of.append(option("", TEXT.ofInitiator, entry.of_field || ""));
      fieldsOf(["department"]).forEach((f) => of.append(option(f.key, f.label, entry.of_field || "")));
      edit(of, (value) => {
        delete entry.of;
        delete entry.of_field;
        if (value) {
          entry.of_field = value;
        } else {
          entry.of = "initiator";
        }
      });
    } else if (entry.type === "manager") {
      const levels = Object.assign(document.createElement("input"), { type: "number", min: 1, max: 20, value: entry.levels || 1 });
      levels.setAttribute("aria-label", TEXT.levels);
      edit(levels, (value) => {
        entry.levels = Number(value) || 1;
      });
    } else if (entry.type === "field") {
      const field = document.createElement("select");
      field.setAttribute("aria-label", TEXT.aField);
      if (!fieldsOf(["member"]).some((f) => f.key === entry.field)) {
        field.append(option(entry.field || "", entry.field || "", entry.field || ""));
      }
      fieldsOf(["member"]).forEach((f) => field.append(option(f.key, f.label, entry.field)));
      edit(field, (value) => {
        entry.field = value;
      });
    } else if (entry.type === "expression") {
      const expression = Object.assign(document.createElement("input"), { value: entry.expression || "", className: "mono" });
      expression.setAttribute("aria-label", TEXT.aExpression);
      edit(expression, (value) => {
        entry.expression = value;
      });
    }
    const remove = Object.assign(document.createElement("button"), { type: "button", className: "fd-tool", textContent: "✕" });
    remove.setAttribute("aria-label", TEXT.remove);
    remove.addEventListener("click", () => change(() => list.splice(index, 1)));
    item.append(remove);
    return item;
  }

  function drawAssignees(object) {
    const list = byId("n-assignees");
    if (!Array.isArray(object.assignees)) {
      list.replaceChildren();
      return;
    }
    list.replaceChildren(...object.assignees.map((_entry, index) => assigneeRow(object.assignees, index)));
  }

  function drawPermissions(object) {
    const body = byId("n-permissions");
    const given = object.field_permissions || {};
    body.replaceChildren(
      ...FIELDS.map((f) => {
        const row = document.createElement("tr");
        const access = document.createElement("select");
        access.id = "n-permission-" + f.key;
        access.setAttribute("aria-label", f.label);
        [["", TEXT.defaultAccess], ["hidden", TEXT.hidden], ["read", TEXT.read], ["write", TEXT.write]].forEach(([value, text]) =>
          access.append(option(value, text, given[f.key] || "")),
        );
        access.addEventListener("change", () =>
          change(() => {
            object.field_permissions = object.field_permissions || {};
            if (access.value) {
              object.field_permissions[f.key] = access.value;
            } else {
              delete object.field_permissions[f.key];
            }
            if (!Object.keys(object.field_permissions).length) {
              delete object.field_permissions;
            }
          }),
        );
        row.append(Object.assign(document.createElement("td"), { textContent: f.label }));
        const cell = document.createElement("td");
        cell.append(access);
        row.append(cell);
        return row;
      }),
    );
  }

  function drawSetFields(object) {
    const list = byId("n-set-fields");
    const actions = Array.isArray(object.actions) ? object.actions : [];
    const first = actions.find((a) => a.type === "set_fields");
    const others = actions.filter((a) => a !== first && a.type !== "call_decision" && !WRITES.includes(a.type)).length;
    byId("n-other-actions").textContent = others ? say(TEXT.otherActions, { num: others }) : "";
    if (!first) {
      list.replaceChildren();
      return;
    }
    list.replaceChildren(...Object.entries(first.values || {}).map(([key, expression]) => fieldEntry(first, "values", key, expression)));
  }

  // One "field <- expression" entry of a map on `owner` (a set-fields action's `values`, a decision
  // call's `outputs`, the values of a record created or updated): the field (one of `fields`, by
  // default the bound form's), the expression and a remove button.
  function fieldEntry(owner, name, key, expression, fields) {
    const item = document.createElement("li");
    const field = document.createElement("select");
    field.className = "entry-field";
    field.setAttribute("aria-label", TEXT.sets);
    const choices = fields || FIELDS;
    if (!choices.some((f) => f.key === key)) {
      field.append(option(key, key, key)); // a field the form no longer has: shown, marked by the check
    }
    choices.forEach((f) => field.append(option(f.key, f.label, key)));
    const value = Object.assign(document.createElement("input"), { value: expression, className: "mono entry-expression" });
    value.setAttribute("aria-label", TEXT.aExpression);
    const rewrite = () =>
      change(() => {
        const entries = Object.entries(owner[name]).map(([k, v]) => (k === key ? [field.value, value.value] : [k, v]));
        owner[name] = Object.fromEntries(entries);
      });
    field.addEventListener("change", rewrite);
    value.addEventListener("change", rewrite);
    const remove = Object.assign(document.createElement("button"), { type: "button", className: "fd-tool", textContent: "✕" });
    remove.setAttribute("aria-label", TEXT.remove);
    remove.addEventListener("click", () => change(() => delete owner[name][key]));
    item.append(field, value, remove);
    return item;
  }

  function labelled(text, control) {
    const label = document.createElement("label");
    label.append(text, control);
    return label;
  }

  function drawCalls(object) {
    const calls = (Array.isArray(object.actions) ? object.actions : []).filter((a) => a.type === "call_decision");
    byId("n-calls").replaceChildren(...calls.map((call, index) => drawCall(object, call, index)));
  }

  function drawCall(object, call, index) {
    const item = document.createElement("li");
    item.dataset.call = String(index);
    const model = DECISIONS.find((d) => d.key === call.model);
    const pick = document.createElement("select");
    pick.className = "call-model";
    if (!model) {
      pick.append(option(call.model || "", call.model || "—", call.model || ""));
    }
    DECISIONS.forEach((d) => pick.append(option(d.key, d.label + " (" + d.key + ")", call.model)));
    pick.addEventListener("change", () => change(() => {
      call.model = pick.value;
      delete call.decision;
      call.inputs = {};
    }));
    item.append(labelled(TEXT.aModel, pick));
    if (model && model.decisions.length > 1) {
      const which = document.createElement("select");
      which.className = "call-decision";
      which.append(option("", TEXT.entry, call.decision || ""));
      model.decisions.forEach((name) => which.append(option(name, name, call.decision || "")));
      which.addEventListener("change", () => change(() => {
        if (which.value) {
          call.decision = which.value;
        } else {
          delete call.decision;
        }
      }));
      item.append(labelled(TEXT.aDecision, which));
    }
    const inputs = call.inputs || {};
    const names = model ? model.inputs : Object.keys(inputs);
    names.forEach((name) => {
      const given = Object.assign(document.createElement("input"), { className: "mono call-input", value: inputs[name] || "" });
      given.dataset.input = name;
      given.placeholder = TEXT.unused;
      given.addEventListener("change", () => change(() => {
        call.inputs = call.inputs || {};
        if (given.value.trim()) {
          call.inputs[name] = given.value;
        } else {
          delete call.inputs[name];
        }
      }));
      item.append(labelled(say(TEXT.inputOf, { name }), given));
    });
    const outputs = document.createElement("ol");
    outputs.className = "call-outputs";
    outputs.append(...Object.entries(call.outputs || {}).map(([key, expression]) => fieldEntry(call, "outputs", key, expression)));
    const addOutput = Object.assign(document.createElement("button"), { type: "button", className: "secondary outline call-add-output", textContent: TEXT.addOutput });
    addOutput.addEventListener("click", () => {
      const free = FIELDS.find((f) => !(call.outputs && f.key in call.outputs));
      if (free) {
        change(() => {
          call.outputs = call.outputs || {};
          call.outputs[free.key] = "result";
        });
      }
    });
    const drop = Object.assign(document.createElement("button"), { type: "button", className: "secondary outline call-remove", textContent: TEXT.removeCall });
    drop.addEventListener("click", () => change(() => {
      object.actions = object.actions.filter((a) => a !== call);
    }));
    item.append(outputs, addOutput, drop);
    return item;
  }

  // The step's actions that create a record in a form of the app or update records of one: the
  // form, for an update the filter (`it.<field>` a record to update, `record.<field>` this one),
  // and the fields it sets, each from an expression over this record.
  function drawWrites(object) {
    const writes = (Array.isArray(object.actions) ? object.actions : []).filter((a) => WRITES.includes(a.type));
    byId("n-writes").replaceChildren(...writes.map((write, index) => drawWrite(object, write, index)));
  }

  function drawWrite(object, write, index) {
    const item = document.createElement("li");
    item.dataset.write = String(index);
    item.dataset.type = write.type;
    const form = FORMS.find((f) => f.key === write.form);
    const pick = document.createElement("select");
    pick.className = "write-form";
    if (!form) {
      pick.append(option(write.form || "", write.form || "—", write.form || ""));
    }
    FORMS.forEach((f) => pick.append(option(f.key, f.label + " (" + f.key + ")", write.form)));
    pick.addEventListener("change", () => change(() => {
      write.form = pick.value;
      write.values = {};
      if (write.type === "update_records") {
        write.where = "true";
      }
    }));
    item.append(labelled(write.type === "create_record" ? TEXT.createsIn : TEXT.updatesIn, pick));
    if (write.type === "update_records") {
      const where = Object.assign(document.createElement("input"), { className: "mono write-where", value: write.where || "" });
      where.addEventListener("change", () => change(() => {
        write.where = where.value;
      }));
      item.append(labelled(TEXT.whichRecords, where));
    }
    const fields = form ? form.fields : [];
    const values = document.createElement("ol");
    values.className = "write-values";
    values.append(...Object.entries(write.values || {}).map(([key, expression]) => fieldEntry(write, "values", key, expression, fields)));
    const addValue = Object.assign(document.createElement("button"), { type: "button", className: "secondary outline write-add-value", textContent: TEXT.addValue });
    addValue.disabled = !fields.some((f) => !(write.values && f.key in write.values));
    addValue.addEventListener("click", () => {
      const free = fields.find((f) => !(write.values && f.key in write.values));
      if (free) {
        change(() => {
          write.values = write.values || {};
          write.values[free.key] = FIELDS.some((f) => f.key === free.key) ? free.key : "";
        });
      }
    });
    const drop = Object.assign(document.createElement("button"), { type: "button", className: "secondary outline write-remove", textContent: TEXT.removeWrite });
    drop.addEventListener("click", () => change(() => {
      object.actions = object.actions.filter((a) => a !== write);
    }));
    item.append(values, addValue, drop);
    return item;
  }

  function drawSla(object) {
    const sla = object.sla;
    byId("n-sla-kind").value = !sla ? "" : sla.working_days !== undefined ? "working_days" : "duration";
    byId("n-sla-value").value = !sla ? "" : sla.working_days !== undefined ? sla.working_days : sla.duration || "";
    byId("n-sla-remind").value = (sla && sla.remind_before) || "";
    byId("n-sla-breach").value = (sla && sla.on_breach) || "remind";
    const escalate = byId("n-sla-escalate");
    const to = sla && sla.escalate_to && sla.escalate_to[0] ? sla.escalate_to[0].role : "";
    escalate.replaceChildren(option("", "—", to), ...ROLES.map((r) => option(r.key, r.label, to)));
  }

  function drawTimer(object) {
    const kind = object.working_days !== undefined ? "working_days" : object.until !== undefined ? "until" : "wait";
    byId("n-timer-kind").value = kind;
    byId("n-timer-value").value = object[kind] === undefined ? "" : object[kind];
  }

  function drawPanel() {
    const flowForm = byId("flow-props");
    const nodeForm = byId("node-props");
    const edgeForm = byId("edge-props");
    const object = current();
    flowForm.hidden = Boolean(object);
    nodeForm.hidden = !(object && selected.kind === "node");
    edgeForm.hidden = !(object && selected.kind === "edge");
    if (!object) {
      show(flowForm, state.spec, "flow");
      showWhen(flowForm, {});
      return;
    }
    if (selected.kind === "node") {
      byId("n-type").textContent = TYPE_NAMES[object.type] || object.type;
      byId("n-id").textContent = object.id;
      show(nodeForm, object, object.type);
      showWhen(nodeForm, object);
      byId("n-mode").querySelectorAll("option[data-types]").forEach((o) => {
        o.hidden = !o.dataset.types.split(" ").includes(object.type);
      });
      drawAssignees(object);
      drawPermissions(object);
      drawSetFields(object);
      drawCalls(object);
      drawWrites(object);
      drawSla(object);
      drawTimer(object);
      nodeForm.querySelectorAll("[data-allow]").forEach((box) => {
        box.checked = !object.allow || object.allow.includes(box.dataset.allow);
      });
      nodeOptions(byId("n-connect-to"), "", object.id);
    } else {
      byId("e-id").textContent = object.id;
      nodeOptions(byId("e-from"), object.from);
      nodeOptions(byId("e-to"), object.to);
      show(edgeForm, object, "edge");
      byId("e-on").value = object.on || "";
      showWhen(edgeForm, object);
      const condition = byId("e-condition");
      if (condition.value !== (object.condition || "")) {
        condition.value = object.condition || "";
        const box = condition.closest("[data-expression]");
        if (box && box.brickworkCheck) {
          box.brickworkCheck();
        }
      }
    }
  }

  function render() {
    drawPanel();
    drawCanvas();
    drawProblems();
    byId("undo").disabled = past.length === 0;
    byId("redo").disabled = future.length === 0;
    if (dirty) {
      status(TEXT.unsaved);
    }
    scheduleCheck();
  }

  // ------------------------------------------------------------ wiring the panel
  ["flow-props", "node-props", "edge-props"].forEach((id) => {
    const form = byId(id);
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("focusin", (event) => {
      event.target.dataset.before = snapshot();
    });
    const apply = (event) => {
      const input = event.target;
      const own = Boolean(input.dataset.prop) || input.id === "e-condition";
      if (own && event.type === "change" && input.dataset.before && input.dataset.before !== snapshot()) {
        past.push(input.dataset.before); // one step of undo per edited input
        future.length = 0;
        input.dataset.before = snapshot();
      }
      if (!input.dataset.prop) {
        return;
      }
      write(form, input);
      dirty = true;
      const object = form.id === "flow-props" ? {} : current();
      if (object) {
        showWhen(form, object);
      }
      byId("undo").disabled = past.length === 0;
      status(TEXT.unsaved);
      scheduleCheck();
    };
    form.addEventListener("input", apply);
    form.addEventListener("change", (event) => {
      apply(event);
      if (event.target.dataset.prop === "mode" || event.target.dataset.prop === "from") {
        drawPanel();
      }
    });
  });
  byId("e-condition").addEventListener("input", (event) => {
    const line = current();
    if (!line || selected.kind !== "edge") {
      return;
    }
    if (event.target.value.trim()) {
      line.condition = event.target.value;
      delete line.default;
      byId("e-default").checked = false;
    } else {
      delete line.condition;
    }
    dirty = true;
    status(TEXT.unsaved);
    scheduleCheck();
  });
  byId("node-props").addEventListener("change", (event) => {
    const object = current();
    if (!object || selected.kind !== "node") {
      return;
    }
    const input = event.target;
    if (input.dataset.sla) {
      change(() => {
        const kind = byId("n-sla-kind").value;
        if (!kind) {
          delete object.sla;
          return;
        }
        const raw = byId("n-sla-value").value.trim();
        const sla = { on_breach: byId("n-sla-breach").value };
        sla[kind] = kind === "working_days" ? Number(raw) || 1 : raw || "P1D";
        if (byId("n-sla-remind").value.trim()) {
          sla.remind_before = byId("n-sla-remind").value.trim();
        }
        if (sla.on_breach === "escalate" && byId("n-sla-escalate").value) {
          sla.escalate_to = [{ type: "role", role: byId("n-sla-escalate").value }];
        }
        object.sla = sla;
      });
    } else if (input.dataset.timer) {
      change(() => {
        const kind = byId("n-timer-kind").value;
        const raw = byId("n-timer-value").value.trim();
        delete object.wait;
        delete object.until;
        delete object.working_days;
        object[kind] = kind === "working_days" ? Number(raw) || 0 : raw || (kind === "wait" ? "P1D" : "today()");
      });
    } else if (input.dataset.allow) {
      change(() => {
        const allowed = [...byId("node-props").querySelectorAll("[data-allow]")].filter((b) => b.checked).map((b) => b.dataset.allow);
        if (allowed.length === 4) {
          delete object.allow;
        } else {
          object.allow = allowed;
        }
      });
    }
  });
  byId("n-add-assignee").addEventListener("click", () => {
    const object = current();
    change(() => {
      object.assignees = object.assignees || [];
      object.assignees.push(ROLES.length ? { type: "role", role: ROLES[0].key } : { type: "initiator" });
    });
  });
  byId("n-add-call").addEventListener("click", () => {
    const object = current();
    if (!DECISIONS.length) {
      return;
    }
    const free = FIELDS.find((f) => !object.actions.some((a) => a.outputs && f.key in a.outputs));
    change(() => {
      // a step's first action may be an empty placeholder from the palette: the call takes its place
      object.actions = object.actions.filter((a) => a.type !== "set_fields" || Object.keys(a.values || {}).length);
      const inputs = Object.fromEntries(
        DECISIONS[0].inputs.filter((name) => FIELDS.some((f) => f.key === name)).map((name) => [name, name]),
      );
      object.actions.push({ type: "call_decision", model: DECISIONS[0].key, inputs, outputs: { [(free || FIELDS[0]).key]: "result" } });
    });
  });
  // A new create or update starts on the first form other than the bound one, with the fields
  // both forms have taken from this record.
  WRITES.forEach((type) => {
    byId(type === "create_record" ? "n-add-create" : "n-add-update").addEventListener("click", () => {
      const object = current();
      const form = FORMS.find((f) => f.key !== FORM) || FORMS[0];
      if (!form) {
        return;
      }
      const shared = form.fields.filter((f) => FIELDS.some((mine) => mine.key === f.key));
      const made = { type: type, form: form.key, values: Object.fromEntries(shared.map((f) => [f.key, f.key])) };
      if (type === "update_records") {
        made.where = shared.length ? "it." + shared[0].key + " = record." + shared[0].key : "true";
      }
      if (!Object.keys(made.values).length && form.fields.length) {
        made.values[form.fields[0].key] = "";
      }
      change(() => {
        // a step's first action may be an empty placeholder from the palette: this takes its place
        object.actions = object.actions.filter((a) => a.type !== "set_fields" || Object.keys(a.values || {}).length);
        object.actions.push(made);
      });
    });
  });
  byId("n-add-set").addEventListener("click", () => {
    const object = current();
    const free = FIELDS.find((f) => !object.actions.some((a) => a.type === "set_fields" && a.values && f.key in a.values));
    if (!free) {
      return;
    }
    change(() => {
      let first = object.actions.find((a) => a.type === "set_fields");
      if (!first) {
        first = { type: "set_fields", values: {} };
        object.actions.unshift(first);
      }
      first.values[free.key] = free.key;
    });
  });
  byId("n-connect").addEventListener("click", () => {
    const to = byId("n-connect-to").value;
    if (selected && to) {
      addEdge(selected.id, to);
    }
  });
  byId("n-connect-click").addEventListener("click", () => {
    if (!selected) {
      return;
    }
    connectFrom = selected.id;
    canvas.classList.add("connecting");
    byId("connect-hint").textContent = say(TEXT.connecting, { node: describe(selected) });
    canvas.focus();
  });
  byId("n-remove").addEventListener("click", () => selected && removeNode(selected.id));
  byId("e-remove").addEventListener("click", () => selected && removeEdge(selected.id));

  byId("undo").addEventListener("click", () => restore(past, future));
  byId("redo").addEventListener("click", () => restore(future, past));
  byId("save-draft").addEventListener("click", save);
  byId("show-diff").addEventListener("click", showDiff);
  byId("publish").addEventListener("click", preparePublish);
  byId("publish-confirm").addEventListener("click", publish);
  byId("publish-cancel").addEventListener("click", () => byId("publish-dialog").close());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && connectFrom) {
      stopConnecting();
      return;
    }
    const typing = event.target.closest && event.target.closest("input, textarea, select");
    if (typing || !(event.ctrlKey || event.metaKey)) {
      return;
    }
    if (event.key === "z" && !event.shiftKey) {
      event.preventDefault();
      restore(past, future);
    } else if (event.key === "y" || (event.key === "z" && event.shiftKey)) {
      event.preventDefault();
      restore(future, past);
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) {
      event.preventDefault();
    }
  });
  window.addEventListener("resize", () => {
    if (drawing && !view.moved) {
      fit();
    }
  });
  render();
})();
