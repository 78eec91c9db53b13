// The chat page: sends a request with files to POST /v1/runs, then draws the run's events
// (GET /v1/runs/<id>/events, server-sent events) as a plan graph, task cards and a streaming answer.
// Plain DOM, no build step. Text from the server is only ever set as textContent.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const STATES = ["waiting", "running", "done", "failed", "skipped"];
const NODE_W = 180, NODE_H = 50, GAP_X = 56, GAP_Y = 16;
const MEDIA = { image: /\.(png|jpe?g|gif|webp|bmp)$/i, audio: /\.(wav|mp3|flac|ogg|m4a|opus)$/i, video: /\.(mp4|webm|mov|mkv)$/i };

const page = {
  conversation: null,
  key: localStorage.getItem("hugginggpt-key") || "",
  pending: [],
};

function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function headers() {
  return page.key ? { Authorization: `Bearer ${page.key}` } : {};
}

// --- the composer ------------------------------------------------------------------------------

function showAttachments() {
  const box = document.getElementById("attachments");
  box.replaceChildren(...page.pending.map((file, i) => {
    const remove = el("button", { type: "button", title: "remove", text: "×" });
    remove.onclick = () => { page.pending.splice(i, 1); showAttachments(); };
    return el("span", { class: "chip" }, file.name, remove);
  }));
}

async function send(event) {
  event.preventDefault();
  const input = document.getElementById("request");
  const text = input.value.trim();
  if (!text) return;
  const form = new FormData();
  form.append("request", text);
  for (const file of page.pending) form.append("files", file, file.name);
  if (page.conversation) form.append("conversation_id", page.conversation);
  const turn = addTurn(text, page.pending);
  page.pending = [];
  showAttachments();
  input.value = "";
  setBusy(true);
  try {
    const response = await fetch("/v1/runs", { method: "POST", body: form, headers: headers() });
    const body = await response.json();
    if (!response.ok) throw new Error(body.detail || response.statusText);
    page.conversation = body.conversation_id;
    turn.dataset.runId = body.id;
    await follow(body.id, new RunView(turn));
  } catch (error) {
    turn.querySelector(".status").textContent = "";
    turn.querySelector(".run").append(el("p", { class: "error-box", text: String(error.message || error) }));
  } finally {
    setBusy(false);
  }
}

function setBusy(busy) {
  document.getElementById("send").disabled = busy;
}

function addTurn(text, files) {
  document.getElementById("empty-hint")?.remove();
  const user = el("div", { class: "user", text });
  if (files.length) user.append(el("div", { class: "chips" }, ...files.map(f => el("span", { class: "chip", text: f.name }))));
  const turn = el("section", { class: "turn" }, user, el("div", { class: "run" }, el("p", { class: "status", text: "planning…" })));
  document.getElementById("log").append(turn);
  turn.scrollIntoView({ block: "end" });
  return turn;
}

// --- following a run -------------------------------------------------------------------------------

// Reads the event stream with fetch (EventSource cannot send the API key), resuming after the last
// event seen (Last-Event-ID) if the connection drops before the run ends.
async function follow(runId, view) {
  let last = null;
  for (let attempt = 0; attempt < 5 && !view.over; attempt++) {
    try {
      const response = await fetch(`/v1/runs/${runId}/events`, {
        headers: { ...headers(), ...(last === null ? {} : { "Last-Event-ID": String(last) }) },
      });
      if (!response.ok) throw new Error((await response.json()).detail);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let data = null;
          for (const line of block.split("\n")) {
            if (line.startsWith("id: ")) last = Number(line.slice(4));
            else if (line.startsWith("data: ")) data = line.slice(6);
          }
          if (data !== null) view.handle(JSON.parse(data));
        }
      }
    } catch (error) {
      if (attempt === 4) throw error;
      await new Promise(resolve => setTimeout(resolve, 500 * (attempt + 1)));
    }
  }
}

class RunView {
  constructor(turn) {
    this.box = turn.querySelector(".run");
    this.status = this.box.querySelector(".status");
    this.graph = el("div", { class: "graph" });
    this.tasks = el("div", { class: "tasks" });
    this.answer = el("div", { class: "answer" });
    this.box.append(this.graph, this.tasks, this.answer);
    this.cards = new Map();
    this.nodes = new Map();
    this.over = false;
  }

  handle(event) {
    const on = {
      stage_started: e => { this.status.textContent = { plan: "planning…", select: "choosing models…", execute: "running tasks…", respond: "answering…" }[e.stage] || e.stage; },
      plan_rejected: e => { this.status.textContent = `plan rejected (attempt ${e.attempt}), asking again…`; },
      plan_ready: e => this.drawPlan(e.tasks),
      model_chosen: e => this.chosen(e),
      task_started: e => this.setState(e.task_id, "running"),
      task_finished: e => this.finished(e),
      task_failed: e => { this.setState(e.task_id, "failed"); this.card(e.task_id).append(el("div", { class: "error", text: e.error })); },
      task_skipped: e => { this.setState(e.task_id, "skipped"); this.card(e.task_id).append(el("div", { class: "reason", text: e.reason })); },
      answer_delta: e => { this.answer.textContent += e.text; },
      run_finished: e => { this.over = true; this.status.textContent = `done in ${e.seconds.toFixed(1)} s · run ${e.run_id}`; this.answer.textContent = e.answer; },
      run_failed: e => { this.over = true; this.status.textContent = `failed · run ${e.run_id}`; this.box.append(el("p", { class: "error-box", text: e.error })); },
    }[event.type];
    if (on) on(event);
  }

  // Tasks in columns by dependency depth, rows in plan order; arrows from each dependency.
  drawPlan(tasks) {
    if (!tasks.length) {
      this.graph.append(el("p", { class: "status", text: "no task needed: answering directly" }));
      return;
    }
    const depth = new Map();
    const depthOf = task => {
      if (!depth.has(task.id)) {
        depth.set(task.id, 0);  // guards against a cycle (the server never sends one)
        const deps = task.dep.filter(d => d !== -1).map(d => tasks.find(t => t.id === d)).filter(Boolean);
        depth.set(task.id, deps.length ? 1 + Math.max(...deps.map(depthOf)) : 0);
      }
      return depth.get(task.id);
    };
    const rows = [];
    const place = new Map();
    for (const task of tasks) {
      const column = depthOf(task);
      rows[column] = (rows[column] || 0) + 1;
      place.set(task.id, { x: column * (NODE_W + GAP_X), y: (rows[column] - 1) * (NODE_H + GAP_Y) });
    }
    const width = rows.length * (NODE_W + GAP_X) - GAP_X + 4;
    const height = Math.max(...rows) * (NODE_H + GAP_Y) - GAP_Y + 4;
    const svg = el("svg:svg", { viewBox: `-2 -2 ${width} ${height}`, role: "img", "aria-label": "task graph" });
    svg.style.maxWidth = `${width}px`;
    const marker = el("svg:marker", { id: `arrow-${Math.random().toString(36).slice(2)}`, viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
      el("svg:path", { d: "M0,0 L10,5 L0,10 z", fill: "#6b7385" }));
    svg.append(el("svg:defs", {}, marker));
    for (const task of tasks) {
      const to = place.get(task.id);
      for (const dep of task.dep.filter(d => place.has(d))) {
        const from = place.get(dep);
        const [x1, y1, x2, y2] = [from.x + NODE_W, from.y + NODE_H / 2, to.x, to.y + NODE_H / 2];
        svg.append(el("svg:path", { class: "edge", d: `M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}`, "marker-end": `url(#${marker.id})` }));
      }
    }
    for (const task of tasks) {
      const { x, y } = place.get(task.id);
      const model = el("svg:text", { class: "model", x: x + 10, y: y + 36, text: "choosing a model…" });
      const node = el("svg:g", { class: "node", "data-task-id": task.id, "data-state": "waiting" },
        el("svg:rect", { x, y, width: NODE_W, height: NODE_H }),
        el("svg:text", { x: x + 10, y: y + 19, text: `#${task.id} ${task.task}` }),
        model,
        el("svg:title", { text: `${task.task}: ${JSON.stringify(task.args)}` }));
      svg.append(node);
      this.nodes.set(task.id, { node, model });
      const card = el("article", { class: "task", "data-task-id": task.id, "data-state": "waiting" },
        el("h3", {}, `#${task.id} ${task.task}`, el("span", { class: "state", text: "waiting" })));
      this.cards.set(task.id, card);
      this.tasks.append(card);
    }
    this.graph.append(svg, el("div", { class: "legend" }, ...STATES.map(s => {
      const item = el("span", { text: s });
      item.style.setProperty("--c", `var(--${s})`);
      return item;
    })));
  }

  card(taskId) {
    return this.cards.get(taskId);
  }

  setState(taskId, state) {
    const { node } = this.nodes.get(taskId) || {};
    node?.setAttribute("data-state", state);
    const card = this.card(taskId);
    if (card) {
      card.dataset.state = state;
      card.querySelector(".state").textContent = state;
    }
  }

  chosen(e) {
    const short = e.model ? (e.model.length > 26 ? `${e.model.slice(0, 25)}…` : e.model) : "no model";
    const entry = this.nodes.get(e.task_id);
    if (entry) entry.model.textContent = short;
    this.card(e.task_id)?.append(el("div", { class: "model", text: e.model || "no model" }), el("div", { class: "reason", text: e.reason }));
  }

  finished(e) {
    this.setState(e.task_id, "done");
    const card = this.card(e.task_id);
    if (!card) return;
    if (e.text) card.append(el("div", { class: "text", text: e.text }));
    (e.urls || []).forEach((url, i) => card.append(mediaFor(url, e.files[i])));
  }
}

// An element showing a produced file: image, player, or a link. With an API key the file is fetched
// with it (an <img src> cannot send headers) and shown from a blob.
function mediaFor(url, name) {
  const kind = Object.keys(MEDIA).find(k => MEDIA[k].test(name)) || "link";
  const node = kind === "image" ? el("img", { alt: name }) : kind === "link" ? el("a", { text: name.split("/").pop(), download: "" }) : el(kind, { controls: "" });
  const attr = kind === "link" ? "href" : "src";
  if (!page.key) {
    node.setAttribute(attr, url);
  } else {
    fetch(url, { headers: headers() }).then(r => r.blob()).then(blob => node.setAttribute(attr, URL.createObjectURL(blob)));
  }
  return node;
}

// --- set-up ------------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("composer").addEventListener("submit", send);
  document.getElementById("files").addEventListener("change", event => {
    page.pending.push(...event.target.files);
    event.target.value = "";
    showAttachments();
  });
  const textarea = document.getElementById("request");
  textarea.addEventListener("keydown", event => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      document.getElementById("composer").requestSubmit();
    }
  });
  document.getElementById("key-button").addEventListener("click", () => {
    const key = prompt("API key for this server (empty: none)", page.key);
    if (key === null) return;
    page.key = key.trim();
    localStorage.setItem("hugginggpt-key", page.key);
  });
});
