// cairn ui in the browser: follows the server's event stream (health, plan, progress) and draws it. Every string
// from the server goes in through textContent, never as markup. No framework, no network beyond this server.

const $ = (id) => document.getElementById(id);
const VERDICT_TEXT = { ok: "healthy", warn: "warning", fail: "failing" };
const RUN_TEXT = {
  running: "running",
  succeeded: "finished",
  failed: "failed",
  interrupted: "interrupted",
  abandoned: "stopped (its process is gone; run it again to resume)",
};
const STEP_TEXT = { running: "running", retrying: "retrying", done: "done", failed: "failed" };

let paused = false;
const latest = { health: null, plan: null, progress: null };

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role" || k === "title")
      e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

const pill = (cls, text) => el("span", { class: `pill ${cls}` }, text);
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "");
const dash = (v) => (v === null || v === undefined || v === "" ? "–" : String(v));

function busyNodes() {
  const p = latest.progress;
  const busy = new Set();
  if (p && p.state === "running")
    for (const s of p.steps)
      if (s.node && (s.state === "running" || s.state === "retrying")) busy.add(s.node);
  return busy;
}

function renderTopologyStatus() {
  const h = latest.health;
  const busy = busyNodes();
  for (const g of document.querySelectorAll(".cairn-topology .node")) {
    const name = g.getAttribute("data-node");
    const n = h?.nodes.find((x) => x.name === name);
    g.classList.remove("st-ok", "st-warn", "st-fail", "st-busy");
    if (n) g.classList.add(`st-${n.verdict}`);
    if (busy.has(name)) g.classList.add("st-busy");
    const status = g.querySelector(".node-status");
    if (!status) continue;
    if (!n) status.textContent = "";
    else {
      // Short enough for the box: verdict, what it is doing, its etcd role, a twin fault.
      const parts = [VERDICT_TEXT[n.verdict]];
      if (busy.has(name)) parts.push("in operation");
      else if (n.stage) parts.push(n.stage);
      if (["leader", "follower", "learner"].includes(n.etcd)) parts.push(`etcd ${n.etcd}`);
      if (n.faults.length) parts.push(n.faults.join(","));
      status.textContent = parts.join(" · ");
    }
  }
}

function renderHealth() {
  const h = latest.health;
  if (!h) return;
  $("simulated-banner").hidden = !h.simulated;
  const failing = h.nodes.filter((n) => n.verdict === "fail").map((n) => n.name);
  const warning = h.nodes.filter((n) => n.verdict === "warn").map((n) => n.name);
  const overall = $("overall");
  overall.className = `verdict ${h.ok ? "ok" : "fail"}`;
  let text = h.ok
    ? `healthy: ${h.nodes.length} node(s)${warning.length ? `, warnings on ${warning.join(", ")}` : ""}`
    : `UNHEALTHY: ${failing.length ? `${failing.length} of ${h.nodes.length} node(s) failing (${failing.join(", ")})` : "a cluster check failed"}`;
  if (h.error) text += ` — last sweep failed: ${h.error}`;
  if (overall.textContent !== text) overall.textContent = text;
  $("refreshed").textContent = `health at ${time(h.at)} (sweep ${h.ms} ms)`;

  const rows = h.nodes.map((n) =>
    el(
      "tr",
      { "data-node": n.name, "data-verdict": n.verdict, class: n.verdict },
      el("th", { scope: "row" }, n.name),
      el("td", {}, pill(n.verdict, VERDICT_TEXT[n.verdict])),
      el("td", {}, n.role === "controlplane" ? "control plane" : "worker"),
      el(
        "td",
        { class: "mono" },
        n.addresses.join(", ") || "–",
        n.endpoint && !n.addresses.includes(n.endpoint)
          ? el("div", { class: "hint" }, `twin ${n.endpoint}`)
          : null,
      ),
      el("td", {}, n.reachable ? dash(n.stage) : "unreachable"),
      el("td", {}, n.ready === null ? "–" : n.ready ? "yes" : "no"),
      el("td", {}, dash(n.talosVersion)),
      el("td", {}, n.kubernetesVersion ? `v${n.kubernetesVersion}` : "–"),
      el("td", {}, dash(n.etcd)),
      el("td", {}, n.faults.length ? n.faults.join(", ") : "–"),
      el(
        "td",
        {},
        n.problems.length ? el("ul", { class: "checks" }, ...n.problems.map((p) => el("li", {}, p))) : "–",
      ),
    ),
  );
  $("node-rows").replaceChildren(...rows);

  const checks = [...h.checks].sort((a, b) => rank(b.status) - rank(a.status));
  $("checks").replaceChildren(
    ...checks.map((c) =>
      el(
        "li",
        { "data-check": c.check, "data-status": c.status },
        pill(c.status, VERDICT_TEXT[c.status]),
        " ",
        `${c.subject}: ${c.message}`,
      ),
    ),
  );
  renderTopologyStatus();
}

const rank = (s) => ({ fail: 2, warn: 1, ok: 0 })[s] ?? 0;

function renderPlan() {
  const s = latest.plan;
  if (!s) return;
  const box = $("plan");
  const parts = [];
  if (s.status === "computing") parts.push(el("p", { class: "hint" }, "computing the plan…"));
  if (s.status === "error")
    parts.push(el("p", { class: "error" }, `the plan could not be built: ${s.error}`));
  const v = s.view;
  if (v) {
    parts.push(
      el(
        "p",
        { "data-pending": String(v.pending) },
        v.pending === 0
          ? "Nothing to do: the cluster matches the spec."
          : `${v.pending} pending action(s)${s.at ? `, planned at ${time(s.at)}` : ""}:`,
      ),
    );
    const groups = new Map();
    for (const a of v.actions) {
      const k = a.node ?? "(cluster)";
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(a);
    }
    for (const [node, actions] of groups) {
      parts.push(el("p", { class: "plan-node" }, node));
      parts.push(
        el(
          "ul",
          { class: "steps" },
          ...actions.map((a) =>
            el(
              "li",
              { "data-action": a.id },
              el("span", { class: "mono" }, a.kind),
              " ",
              a.title,
              a.expectedMode ? el("span", { class: "hint" }, ` (mode ${a.expectedMode})`) : null,
              a.detail.length
                ? el("details", {}, el("summary", {}, "details"), el("pre", {}, a.detail.join("\n")))
                : null,
            ),
          ),
        ),
      );
    }
    for (const w of v.warnings) parts.push(el("p", {}, pill("warn", "warning"), " ", w));
    for (const b of v.blockers) parts.push(el("p", {}, pill("fail", "refused"), " ", b));
  }
  box.replaceChildren(...parts);
  $("refresh-plan").disabled = s.status === "computing";
}

function renderProgress() {
  const p = latest.progress;
  const box = $("operation");
  if (!p) {
    box.replaceChildren(el("p", { class: "hint" }, "No apply or upgrade has run on this cluster yet."));
    renderTopologyStatus();
    return;
  }
  const done = p.steps.filter((s) => s.state === "done").length;
  const label = `${p.done} of ${p.actions} action(s) done`;
  const parts = [
    el(
      "p",
      { "data-run-state": p.state },
      el("strong", {}, p.operation),
      " ",
      pill(p.state, RUN_TEXT[p.state] ?? p.state),
      ` started ${time(p.startedAt)}${p.endedAt ? `, ended ${time(p.endedAt)}` : ""}`,
    ),
    el("label", { htmlFor: "run-progress" }, label),
    el("progress", { id: "run-progress", max: Math.max(p.actions, 1), value: p.done }),
    p.failed ? el("p", { class: "error" }, `failed at ${p.failed.id}: ${p.failed.error}`) : null,
    el(
      "ol",
      {
        class: "steps",
        "aria-label": `steps of ${p.operation}`,
        "data-steps": String(p.steps.length),
        "data-done": String(done),
      },
      ...p.steps.map((s) =>
        el(
          "li",
          { "data-step": s.id, "data-state": s.state },
          pill(s.state, STEP_TEXT[s.state] ?? s.state),
          " ",
          s.title,
          s.attempt > 1 ? ` (attempt ${s.attempt})` : "",
          s.ms !== undefined ? el("span", { class: "ms" }, ` ${(s.ms / 1000).toFixed(1)} s`) : null,
          s.error && s.state !== "done" ? el("div", { class: "error" }, s.error) : null,
        ),
      ),
    ),
  ];
  box.replaceChildren(...parts.filter((x) => x !== null));
  renderTopologyStatus();
}

const renderers = { health: renderHealth, plan: renderPlan, progress: renderProgress };

function accept(kind, payload) {
  latest[kind] = payload.data;
  if (!paused) renderers[kind]();
}

function connect() {
  const conn = $("connection");
  const source = new EventSource("/events");
  source.addEventListener("open", () => (conn.textContent = "live"));
  source.addEventListener("error", () => {
    // The browser retries by itself; a closed stream means the server refused it (stopped, or restarted with a
    // new token).
    conn.textContent =
      source.readyState === EventSource.CLOSED
        ? "disconnected: cairn ui stopped or restarted; open the URL it printed"
        : "disconnected: retrying…";
  });
  source.addEventListener("hello", (e) => {
    const h = JSON.parse(e.data).data;
    $("simulated-banner").hidden = !h.simulated;
    conn.textContent = `live (health every ${Math.round(h.refreshMs / 100) / 10} s)`;
  });
  for (const kind of ["health", "plan", "progress"])
    source.addEventListener(kind, (e) => accept(kind, JSON.parse(e.data)));
}

$("pause").addEventListener("click", () => {
  paused = !paused;
  const b = $("pause");
  b.setAttribute("aria-pressed", String(paused));
  b.textContent = paused ? "Resume live updates" : "Pause live updates";
  if (!paused) for (const r of Object.values(renderers)) r();
});

$("refresh-plan").addEventListener("click", async () => {
  $("refresh-plan").disabled = true;
  const r = await fetch("/api/plan", { method: "POST" });
  if (!r.ok) $("plan").prepend(el("p", { class: "error" }, `refresh refused: ${r.status}`));
});

$("simulated-banner").hidden = document.documentElement.dataset.kind !== "simulated";
connect();
