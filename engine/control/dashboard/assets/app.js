// Kestrel's dashboard, plain JavaScript: reads /api, listens on /api/stream (Server-Sent
// Events, which the browser reconnects by itself), and sends the operator's controls with the
// session's CSRF token. Amounts arrive as integers of base units; they are only divided here,
// for display.
"use strict";

const K = (window.__kestrel = { csrf: null, fills: [], lastEvent: 0, events: 0 });
const $ = (id) => document.getElementById(id);
const LAMPORTS = 1e9;
// Rows a live table keeps (the page may stay open for days).
const MAX_ROWS = 500;

function prependCapped(body, row) {
  body.prepend(row);
  while (body.children.length > MAX_ROWS) body.lastElementChild.remove();
}
function showing(id) { return (location.hash || "#overview").slice(1) === id; }

function sol(lamports, quote) {
  if (lamports === null || lamports === undefined) return "–";
  const unit = quote === "USDC" ? 1e6 : LAMPORTS;
  return (Number(lamports) / unit).toFixed(quote === "USDC" ? 2 : 4) + " " + (quote || "SOL");
}
function signed(el, v, quote) {
  el.textContent = sol(v, quote);
  el.classList.toggle("pos", Number(v) > 0);
  el.classList.toggle("neg", Number(v) < 0);
}
function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}
function short(mint) { return mint.length > 12 ? mint.slice(0, 4) + "…" + mint.slice(-4) : mint; }
function time(ms) { return new Date(ms).toISOString().replace("T", " ").slice(0, 19); }
function notice(text) { $("notice").textContent = text; }

async function getJSON(path) {
  const r = await fetch(path, { credentials: "same-origin" });
  if (!r.ok) throw new Error(path + ": " + r.status);
  return r.json();
}

// Tabs: the hash names the page.
function show() {
  const id = (location.hash || "#overview").slice(1);
  for (const s of document.querySelectorAll(".page")) s.classList.toggle("hidden", s.id !== id);
  for (const a of document.querySelectorAll(".tab")) a.classList.toggle("active", a.getAttribute("href") === "#" + id);
  if (id === "positions") loadPositions();
  if (id === "trades") loadTrades();
  if (id === "pnl") loadPnl();
  if (id === "plugins") loadPlugins();
  if (id === "log") loadLog();
}

function renderStatus(s) {
  const st = $("state");
  st.textContent = s.trading_state + (s.paper ? " (paper)" : "");
  st.className = "badge " + s.trading_state;
  $("wallet").textContent = s.wallet;
  $("o-wallet").textContent = sol(s.wallet_lamports);
  signed($("o-realized"), s.realized_lamports);
  signed($("o-unrealized"), s.unrealized_lamports);
  $("o-open").textContent = s.open_positions;
  $("o-counts").textContent = s.launches + " / " + s.bought + " / " + s.sold;
  $("o-slot").textContent = s.slot + " · " + (s.blockhash_age_ms === null ? "–" : s.blockhash_age_ms + " ms");
  const feeds = $("feeds");
  feeds.replaceChildren();
  for (const f of s.feeds) {
    const tr = document.createElement("tr");
    cell(tr, f.name);
    cell(tr, f.connected ? "yes" : "no", f.connected ? "pos" : "neg");
    for (const k of ["frames", "first", "duplicates", "mean_lag_us", "max_lag_us", "disconnects"]) cell(tr, f[k], "num");
    feeds.appendChild(tr);
  }
  for (const [id, by] of [["skipped", s.skipped], ["refused", s.refused], ["exits", s.exits]]) {
    const body = $(id);
    body.replaceChildren();
    const rows = Object.entries(by).sort((a, b) => b[1] - a[1]);
    if (rows.length === 0) { const tr = document.createElement("tr"); cell(tr, "none yet", "muted"); body.appendChild(tr); }
    for (const [reason, n] of rows) { const tr = document.createElement("tr"); cell(tr, reason); cell(tr, n, "num"); body.appendChild(tr); }
  }
}

// A small bar chart: p50, p90, p99 per stage.
function renderLatency(rows) {
  const body = $("latency");
  body.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement("tr");
    cell(tr, r.stage);
    for (const k of ["count", "p50_us", "p90_us", "p99_us", "p999_us", "max_us"]) cell(tr, r[k], "num");
    body.appendChild(tr);
  }
  const c = $("latency-chart");
  const g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  const max = Math.max(1, ...rows.map((r) => r.p99_us));
  const slot = c.width / Math.max(1, rows.length);
  const colors = ["#3fb950", "#d29922", "#f85149"];
  g.font = "12px system-ui";
  rows.forEach((r, i) => {
    ["p50_us", "p90_us", "p99_us"].forEach((k, j) => {
      const h = (r[k] / max) * (c.height - 40);
      g.fillStyle = colors[j];
      g.fillRect(i * slot + 10 + j * 18, c.height - 20 - h, 14, h);
    });
    g.fillStyle = "#8a94a3";
    g.fillText(r.stage, i * slot + 10, c.height - 5);
  });
  g.fillText("max p99 " + max + " µs", 10, 14);
}

function line(canvas, points) {
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  if (points.length === 0) { g.fillStyle = "#8a94a3"; g.fillText("no days in the journal yet", 10, 20); return; }
  const lo = Math.min(0, ...points), hi = Math.max(0, ...points), span = hi - lo || 1;
  const x = (i) => 20 + (i * (canvas.width - 40)) / Math.max(1, points.length - 1);
  const y = (v) => canvas.height - 20 - ((v - lo) / span) * (canvas.height - 40);
  g.strokeStyle = "#3a424d"; g.beginPath(); g.moveTo(20, y(0)); g.lineTo(canvas.width - 20, y(0)); g.stroke();
  g.strokeStyle = "#58a6ff"; g.fillStyle = "#58a6ff"; g.lineWidth = 2; g.beginPath();
  points.forEach((v, i) => (i ? g.lineTo(x(i), y(v)) : g.moveTo(x(i), y(v))));
  g.stroke();
  // Each day as a dot, so a single day shows too.
  points.forEach((v, i) => { g.beginPath(); g.arc(x(i), y(v), 3, 0, 2 * Math.PI); g.fill(); });
}

async function loadPositions() {
  const list = await getJSON("/api/positions");
  const body = $("positions-body");
  body.replaceChildren();
  $("positions-empty").classList.toggle("hidden", list.length > 0);
  for (const p of list) {
    const tr = document.createElement("tr");
    tr.dataset.mint = p.mint;
    cell(tr, short(p.mint)).title = p.mint;
    cell(tr, p.quote);
    cell(tr, p.tokens, "num");
    cell(tr, sol(p.cost, p.quote), "num");
    cell(tr, sol(p.value, p.quote), "num");
    signed(cell(tr, "", "num"), p.pnl, p.quote);
    cell(tr, p.peak === null ? "–" : sol(p.peak, p.quote), "num");
    cell(tr, (p.selling ? "selling · " : "") + p.exit_rules.join(", "));
    const td = cell(tr, "");
    for (const pct of [25, 50, 100]) {
      const b = document.createElement("button");
      b.textContent = "Sell " + pct + " %";
      b.className = "sell";
      b.dataset.mint = p.mint;
      b.dataset.percent = pct;
      td.appendChild(b);
    }
    body.appendChild(tr);
  }
}

function tradeRow(t, fresh) {
  const tr = document.createElement("tr");
  tr.dataset.signature = t.signature;
  cell(tr, time(t.at_ms));
  cell(tr, t.side, t.side === "buy" ? "" : "pos");
  cell(tr, short(t.mint)).title = t.mint;
  cell(tr, t.why);
  cell(tr, sol(t.amount, t.quote), "num");
  signed(cell(tr, "", "num"), t.realized, t.quote);
  const a = document.createElement("a");
  a.href = t.link; a.textContent = short(t.signature); a.rel = "noreferrer"; a.target = "_blank";
  cell(tr, "").appendChild(a);
  if (fresh) tr.classList.add("flash");
  return tr;
}

async function loadTrades() {
  const list = await getJSON("/api/trades?since=" + (Date.now() - 7 * 86400000));
  const body = $("trades-body");
  body.replaceChildren(...list.reverse().map((t) => tradeRow(t, false)));
}

async function loadPnl() {
  const p = await getJSON("/api/pnl");
  const body = $("pnl-body");
  body.replaceChildren();
  for (const d of p.days) {
    const tr = document.createElement("tr");
    cell(tr, d.day);
    signed(cell(tr, "", "num"), d.realized_lamports);
    cell(tr, sol(d.network_fees), "num");
    cell(tr, d.buys, "num");
    cell(tr, d.sells, "num");
    cell(tr, d.failed_txs, "num");
    signed(cell(tr, "", "num"), d.equity_lamports);
    body.appendChild(tr);
  }
  line($("equity-chart"), p.days.map((d) => d.equity_lamports / LAMPORTS));
}

async function loadPlugins() {
  const list = await getJSON("/api/plugins");
  const body = $("plugins-body");
  body.replaceChildren();
  for (const p of list) {
    const tr = document.createElement("tr");
    cell(tr, p.name);
    cell(tr, p.state, p.state === "running" ? "pos" : "neg");
    for (const k of ["restarts", "faults", "cpu_percent", "http_refused", "queue", "dropped", "memory_kib"]) cell(tr, p[k], "num");
    cell(tr, p.last_fault || "");
    body.appendChild(tr);
  }
  await loadX();
}

// The X bot's queue, when it runs: approve, reject or post now what it shows.
async function loadX() {
  const { running, posts } = await getJSON("/api/x");
  $("x-queue").classList.toggle("hidden", !running);
  if (!running) return;
  const body = $("x-body");
  body.replaceChildren();
  for (const p of posts) {
    const tr = document.createElement("tr");
    cell(tr, p.id, "num");
    cell(tr, p.state);
    cell(tr, p.category);
    cell(tr, p.text);
    cell(tr, p.at || "");
    cell(tr, (p.issues || []).join("; ") || "ok", (p.issues || []).length ? "neg" : "pos");
    const td = cell(tr, "");
    for (const a of ["approve", "reject", "post_now"]) {
      if (!(p.actions || []).includes(a)) continue;
      const b = document.createElement("button");
      b.textContent = a === "post_now" ? "Post now" : a[0].toUpperCase() + a.slice(1);
      b.className = "x-act";
      b.dataset.action = a;
      b.dataset.id = p.id;
      b.dataset.hash = p.hash;
      td.appendChild(b);
    }
    body.appendChild(tr);
  }
}

// One line of the log tail, in words.
function said(l) {
  const d = l.data || {};
  switch (l.kind) {
    case "fill":
      return d.side + " " + short(d.mint) + " " + sol(d.amount, d.quote) + " (" + d.why + ")" +
        (d.realized === null || d.realized === undefined ? "" : ", realized " + sol(d.realized, d.quote));
    case "exit": return "exit " + short(d.mint) + ": " + d.reason;
    case "state": return "trading is " + d.state;
    case "alert": return d.text;
    case "action": return d.action + " by " + d.by + (d.queued ? "" : " (not queued)");
    default: return JSON.stringify(d);
  }
}

function logLine(l) {
  const li = document.createElement("li");
  li.textContent = time(l.at_ms) + "  " + l.kind.padEnd(6) + "  " + said(l);
  return li;
}

async function loadLog() {
  const lines = await getJSON("/api/log");
  $("log-body").replaceChildren(...lines.reverse().map(logLine));
}

// The stream: the page's heartbeat.
function listen() {
  const es = new EventSource("/api/stream");
  const seen = () => { K.lastEvent = Date.now(); K.events += 1; };
  es.addEventListener("status", (e) => { seen(); renderStatus(JSON.parse(e.data)); });
  es.addEventListener("latency", (e) => { seen(); renderLatency(JSON.parse(e.data)); });
  for (const kind of ["fill", "exit", "state", "alert", "action"]) {
    es.addEventListener(kind, (e) => {
      seen();
      const l = JSON.parse(e.data);
      prependCapped($("log-body"), logLine(l));
      if (kind === "fill") {
        prependCapped($("trades-body"), tradeRow({ ...l.data, at_ms: l.at_ms, amount: l.data.amount }, true));
        K.fills.push({ signature: l.data.signature, sent_ms: l.at_ms, dom_ms: Date.now() });
        if (K.fills.length > 100) K.fills.shift();
      }
      // The positions table is read again only while it shows.
      if ((kind === "fill" || kind === "exit") && showing("positions")) loadPositions().catch(() => {});
      if (kind === "alert") notice(l.data.text);
    });
  }
  es.addEventListener("lagged", () => { seen(); show(); });
  let opened = false;
  es.onopen = () => {
    $("live").textContent = "live";
    $("live").className = "badge fresh";
    // After a reconnect, what happened meanwhile is read again.
    if (opened) { show(); loadLog().catch(() => {}); }
    opened = true;
  };
  es.onerror = () => { $("live").textContent = "reconnecting"; $("live").className = "badge stale"; };
}

// Stale: nothing heard for five seconds (status comes every second).
setInterval(() => {
  const fresh = Date.now() - K.lastEvent < 5000;
  const live = $("live");
  live.className = "badge " + (fresh ? "fresh" : "stale");
  if (fresh) live.textContent = "live";
  else if (K.lastEvent) live.textContent = "stale " + Math.round((Date.now() - K.lastEvent) / 1000) + " s";
}, 1000);

async function session() {
  const s = await getJSON("/api/session");
  K.csrf = s.csrf;
  $("login").classList.toggle("hidden", s.signed_in || !s.controls);
  $("controls").classList.toggle("hidden", !s.signed_in);
  if (!s.controls) notice("Read-only: start kestrel with KESTREL_DASHBOARD_TOKEN to use the controls.");
}

async function post(path, body) {
  const r = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": K.csrf || "" },
    body: JSON.stringify(body || {}),
  });
  const v = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(v.error || r.status);
  return v;
}

async function control(action, body) {
  try {
    const v = await post("/api/control/" + action, body);
    notice("Sent: " + v.queued);
  } catch (e) {
    notice("Not done: " + e.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const v = await post("/api/login", { token: $("token").value });
      $("token").value = "";
      K.csrf = v.csrf;
      await session();
      notice("Signed in.");
    } catch (err) {
      notice("Not signed in: " + err.message);
    }
  });
  $("logout").addEventListener("click", async () => { await post("/api/logout").catch(() => {}); await session(); });
  for (const b of document.querySelectorAll("#controls [data-action]")) {
    b.addEventListener("click", () => {
      const a = b.dataset.action;
      if (a.startsWith("halt") && !confirm(b.textContent + "?")) return;
      control(a);
    });
  }
  $("positions-body").addEventListener("click", (e) => {
    const b = e.target.closest("button.sell");
    if (!b) return;
    if (!confirm("Sell " + b.dataset.percent + " % of " + b.dataset.mint + "?")) return;
    control("sell", { mint: b.dataset.mint, percent: Number(b.dataset.percent) });
  });
  $("x-body").addEventListener("click", async (e) => {
    const b = e.target.closest("button.x-act");
    if (!b) return;
    try {
      const v = await post("/api/x/" + b.dataset.action + "/" + b.dataset.id, { hash: b.dataset.hash });
      notice("Sent: " + v.queued);
      setTimeout(() => loadX().catch(() => {}), 1000);
    } catch (err) {
      notice("Not done: " + err.message);
    }
  });
  window.addEventListener("hashchange", show);
  session().catch((e) => notice(e.message));
  show();
  listen();
});
