// The status page: polls /status every 2 s and renders it. Read-only; values go in as text, never HTML.
// Each element with data-field also gets data-value = the raw JSON value, so tests and tools can read the
// exact figures while people read the formatted ones.
"use strict";
(function () {
  const POLL_MS = 2000;
  const $ = (id) => document.getElementById(id);
  const num = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
  let chart = null;
  let lastOk = null;

  function isBlank(v) { return v === null || v === undefined || v === ""; }
  function fmtNum(v) { return isBlank(v) ? "-" : num.format(Number(v)); }
  function fmtSigned(v) {
    if (isBlank(v)) return "-";
    const n = Number(v);
    return (n > 0 ? "+" : "") + num.format(n);
  }
  function fmtSize(v) { return isBlank(v) ? "-" : String(v); }
  function fmtPct(v, digits) { return isBlank(v) ? "-" : (Number(v) * 100).toFixed(digits === undefined ? 1 : digits) + "%"; }
  function fmtTime(v) { return isBlank(v) ? "-" : String(v).replace("T", " ").replace(/\.\d+/, "").replace("+00:00", " UTC"); }
  function fmtClock(v) { return isBlank(v) ? "-" : String(v).slice(11, 19); }
  function raw(v) { return isBlank(v) ? "" : Array.isArray(v) ? v.join(",") : String(v); }

  function setField(id, value, text, cls) {
    const el = $(id);
    el.textContent = text;
    el.dataset.value = raw(value);
    if (cls !== undefined) el.className = cls;
  }
  function signClass(v) { return isBlank(v) || Number(v) === 0 ? "" : Number(v) > 0 ? "pos" : "neg"; }
  function stateClass(state) {
    const s = String(state);
    if (["ok", "active", "connected", "true"].includes(s)) return "s-ok";
    if (["degraded", "reconnecting", "stale", "connecting", "unresolved", "pending", "skipped"].includes(s)) return "s-warn";
    if (["unhealthy", "halted", "abort", "false", "rejected", "disconnected"].includes(s)) return "s-bad";
    return "";
  }
  function pill(id, value, text) { setField(id, value, text === undefined ? String(value) : text, "pill " + stateClass(value)); }

  function cell(row, text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function fillTable(id, items, columns, emptyText) {
    const body = $(id).tBodies[0];
    body.replaceChildren();
    if (!items.length) {
      const tr = body.insertRow();
      const td = cell(tr, emptyText, "empty");
      td.colSpan = columns.length;
      return;
    }
    for (const item of items) {
      const tr = body.insertRow();
      for (const [get, cls] of columns) cell(tr, get(item), typeof cls === "function" ? cls(item) : cls);
    }
  }

  function renderLimits(limits) {
    const body = $("limits").tBodies[0];
    body.replaceChildren();
    for (const l of limits) {
      const tr = body.insertRow();
      tr.dataset.limit = l.reason_code;
      const th = document.createElement("th");
      th.textContent = l.name;
      tr.appendChild(th);
      const show = (v) => isBlank(v) ? "-" : l.unit === "ratio" ? fmtPct(v, 2) : l.unit === "JPY" ? fmtNum(v) + " JPY"
        : l.unit === "x" ? Number(v).toFixed(2) + "x" : String(v);
      const now = cell(tr, show(l.figure), "num");
      now.dataset.value = raw(l.figure);
      cell(tr, show(l.limit), "num");
      const td = cell(tr, "", "");
      const used = isBlank(l.used) ? null : Number(l.used);
      const bar = document.createElement("span");
      bar.className = "bar" + (used === null ? "" : used > 1 ? " bad" : used >= 0.8 ? " warn" : "");
      const fill = document.createElement("span");
      fill.style.width = (used === null ? 0 : Math.min(used, 1) * 100) + "%";
      bar.appendChild(fill);
      td.appendChild(bar);
      const pct = document.createElement("span");
      pct.className = "pct";
      pct.textContent = used === null ? "-" : (used * 100).toFixed(1) + "%";
      pct.dataset.value = raw(l.used);
      td.appendChild(pct);
      cell(tr, l.breach_status, "muted");
    }
  }

  const utcClock = (u, vals) => vals.map((v) => new Date(v * 1000).toISOString().slice(11, 19));
  const grid = { stroke: "#eef0f3" };

  function makeChart(el, label, lines, fmt) {
    return new uPlot({
      width: Math.max(320, el.clientWidth), height: 200,
      scales: { x: { time: true } },
      series: [{ label: "time (UTC)" }, ...lines],
      axes: [
        // Whole seconds at least: finer ticks would print the same HH:MM:SS twice.
        { stroke: "#6b7280", grid: grid, values: utcClock, space: 80,
          incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400] },
        { label: label, stroke: "#6b7280", size: 96, labelSize: 18, values: (u, vals) => vals.map(fmt), grid: grid },
      ],
      legend: { live: false },
      cursor: { sync: { key: "run" } },
    }, null, el);
  }

  // Two charts on one time axis: equity, and the P&L lines (their gap is the open position's unrealised
  // P&L). On one shared chart the equity and run-P&L lines would be the same curve twice.
  function renderChart(series) {
    const empty = series.length < 2;
    $("chart-empty").classList.toggle("hidden", !empty);
    $("chart").dataset.points = String(series.length);
    if (empty) return;
    const xs = series.map((p) => Date.parse(p.at) / 1000);
    if (chart === null) {
      chart = {
        equity: makeChart($("chart-equity"), "equity (JPY)", [
          { label: "equity (JPY)", stroke: "#1f4f99", width: 2, fill: "rgba(31,79,153,0.06)", points: { show: false } },
        ], fmtNum),
        pnl: makeChart($("chart-pnl"), "P&L (JPY)", [
          { label: "run P&L: equity change incl. unrealised", stroke: "#d97706", width: 2, points: { show: false } },
          { label: "realised P&L net of fees", stroke: "#16794c", width: 1.5, dash: [6, 4], points: { show: false }, spanGaps: true },
        ], fmtSigned),
      };
    }
    chart.equity.setData([xs, series.map((p) => Number(p.equity_jpy))]);
    chart.pnl.setData([xs, series.map((p) => Number(p.pnl_jpy)),
      series.map((p) => (p.realised_jpy === null ? null : Number(p.realised_jpy)))]);
  }

  function render(s) {
    setField("symbol", s.symbol, s.symbol);
    setField("mode", s.mode, s.mode, "tag " + (s.mode === "live" ? "s-bad" : "s-ok"));
    pill("health", s.health, s.health === "ok" ? "healthy" : "unhealthy");
    pill("monitor", s.monitor_status);
    $("paused").classList.toggle("hidden", s.paused !== true);
    $("paused").dataset.value = raw(s.paused);
    setField("run-id", s.run_id, s.run_id || "-");
    setField("version", s.version, s.version || "-");
    setField("started", s.started_at, fmtTime(s.started_at));
    setField("updated", s.generated_at, fmtTime(s.generated_at));

    const a = s.account, p = s.position;
    setField("equity", a.equity_jpy, fmtNum(a.equity_jpy));
    setField("start-equity", a.start_equity_jpy, fmtNum(a.start_equity_jpy));
    setField("run-pnl", a.run_pnl_jpy, fmtSigned(a.run_pnl_jpy), "big " + signClass(a.run_pnl_jpy));
    setField("realised", a.realised_pnl_jpy, fmtSigned(a.realised_pnl_jpy), "big " + signClass(a.realised_pnl_jpy));
    setField("fees", a.fees_jpy, fmtNum(a.fees_jpy));
    setField("fill-count", a.fills, String(a.fills));
    setField("win-rate", a.win_rate, fmtPct(a.win_rate));
    setField("position-net", p.net, (Number(p.net) > 0 ? "long " : Number(p.net) < 0 ? "short " : "flat ")
      + (Number(p.net) === 0 ? "" : String(Math.abs(Number(p.net)))));
    $("long-part").classList.toggle("hidden", Number(p.long) === 0);
    $("short-part").classList.toggle("hidden", Number(p.short) === 0);
    setField("position-long", p.long, fmtSize(p.long));
    setField("position-short", p.short, fmtSize(p.short));
    setField("long-avg", p.long_average_price, fmtNum(p.long_average_price));
    setField("short-avg", p.short_average_price, fmtNum(p.short_average_price));
    setField("mark", p.mark_price, fmtNum(p.mark_price));
    setField("unrealised", p.unrealised_pnl_jpy, fmtSigned(p.unrealised_pnl_jpy), signClass(p.unrealised_pnl_jpy));
    // At mid it differs from the exchange's figure (bid for longs, ask for shorts) by about half the spread.
    $("unrealised-basis").textContent = p.unrealised_basis === "mid" ? " (at mid)" : "";

    pill("risk-status", s.risk.status);
    setField("risk-reasons", s.risk.reasons,
      (s.risk.halted ? "HALTED. " : "") + (s.risk.reasons.length ? "reasons: " + s.risk.reasons.join(", ") : "all figures within their limits"));
    renderLimits(s.risk.limits);
    pill("stream-public", s.streams.public);
    pill("stream-private", s.streams.private);
    pill("reconciliation", s.reconciliation_ok, s.reconciliation_ok ? "ok" : "mismatch");
    $("reconciliation-problems").textContent = s.reconciliation_problems.join("; ");
    setField("last-loop", s.last_loop_at, fmtTime(s.last_loop_at));
    $("store-error").classList.toggle("hidden", !s.store_error);
    $("store-error").textContent = s.store_error ? "store: " + s.store_error : "";

    setField("open-count", s.open_orders.length, String(s.open_orders.length));
    fillTable("orders", s.open_orders, [
      [(o) => fmtClock(o.created_at)], [(o) => String(o.exchange_order_id ?? "-")], [(o) => o.side],
      [(o) => o.action], [(o) => fmtSize(o.size), "num"], [(o) => fmtSize(o.executed), "num"],
      [(o) => o.price === null ? "market" : fmtNum(o.price), "num"], [(o) => o.state], [(o) => o.reason, "reason"],
    ], "no open orders");
    setField("fills-count", s.recent_fills.length, String(s.recent_fills.length));
    fillTable("fills", s.recent_fills, [
      [(f) => fmtClock(f.at)], [(f) => String(f.order_id)], [(f) => f.side], [(f) => f.settle_type],
      [(f) => fmtSize(f.size), "num"], [(f) => fmtNum(f.price), "num"],
      [(f) => f.settle_type === "CLOSE" ? fmtSigned(f.loss_gain) : "-", (f) => "num " + (f.settle_type === "CLOSE" ? signClass(f.loss_gain) : "")],
      [(f) => fmtNum(f.fee), "num"],
    ], "no fills yet");
    setField("decisions-count", s.decisions.length, String(s.decisions.length));
    fillTable("decisions", s.decisions, [
      [(d) => fmtClock(d.at)], [(d) => d.side], [(d) => d.action], [(d) => fmtSize(d.size), "num"],
      [(d) => d.outcome + (d.detail ? " (" + d.detail + ")" : ""), (d) => stateClass(d.outcome)],
      [(d) => d.reason, "reason"],
    ], "no decisions yet");
    renderChart(s.series);
  }

  async function poll() {
    try {
      const res = await fetch("/status", { cache: "no-store" });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const s = await res.json();
      render(s);
      lastOk = new Date();
      $("offline").classList.add("hidden");
      document.body.dataset.ready = "1";
      document.body.dataset.generatedAt = s.generated_at;
    } catch (err) {
      const since = lastOk ? " since " + lastOk.toISOString().slice(11, 19) + " UTC" : "";
      $("offline").textContent = "The bot is not answering /status (" + err.message + ")" + since + "; retrying.";
      $("offline").classList.remove("hidden");
      pill("health", "unhealthy", "no answer");
    }
  }

  window.addEventListener("resize", () => {
    if (chart === null) return;
    for (const c of [chart.equity, chart.pnl]) c.setSize({ width: Math.max(320, $("chart").clientWidth), height: 200 });
  });
  poll();
  setInterval(poll, POLL_MS);
})();
