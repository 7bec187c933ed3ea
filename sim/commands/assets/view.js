// negsim-view's page: controls from the server's list, a change sent as {key: value}, the
// newest result drawn as SVG. Only a result of the newest change is drawn, whole.
"use strict";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
const view = { start: {}, change: {}, asked: 0, shown: -1, result: null, controlKeys: "", timer: null };
window.negsimView = view; // for the browser test: what is shown, what was asked

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, text) => {
  const node = document.createElementNS(tag === "svg" || SVG_TAGS.has(tag) ? "http://www.w3.org/2000/svg"
    : "http://www.w3.org/1999/xhtml", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
};
const SVG_TAGS = new Set(["path", "line", "text", "g", "rect", "circle", "polyline"]);

// -- a line chart with bands --------------------------------------------------------------------
function chart(box, { x, series, ylim, ylabel, xlabel, zero, start, width = 500, height = 250 }) {
  const m = { l: 46, r: 10, t: 8, b: 34 }, w = width - m.l - m.r, h = height - m.t - m.b;
  const xs = x.filter((v) => v !== null), x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
  let [y0, y1] = ylim || extent(series);
  if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
  const X = (v) => m.l + ((v - x0) / (x1 - x0)) * w, Y = (v) => m.t + h - ((v - y0) / (y1 - y0)) * h;
  series = series.map((s, i) => ({ ...s, color: s.color || COLORS[i % COLORS.length] })); // the legend's colours too
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", style: `width:100%;max-width:${width * 1.6}px;height:auto` });
  for (const t of ticks(y0, y1, 5)) {
    svg.append(el("line", { x1: m.l, x2: m.l + w, y1: Y(t), y2: Y(t), stroke: "#eee" }));
    svg.append(el("text", { x: m.l - 4, y: Y(t) + 4, "text-anchor": "end" }, fmt(t)));
  }
  for (const t of ticks(x0, x1, 7)) svg.append(el("text", { x: X(t), y: m.t + h + 14, "text-anchor": "middle" }, start ? dated(start, t, x1) : fmt(t)));
  svg.append(el("text", { x: m.l + w / 2, y: height - 4, "text-anchor": "middle" }, xlabel || ""));
  svg.append(el("text", { x: 10, y: m.t + h / 2, transform: `rotate(-90 10 ${m.t + h / 2})`, "text-anchor": "middle" }, ylabel || ""));
  if (zero && y0 < 0 && y1 > 0) svg.append(el("line", { x1: m.l, x2: m.l + w, y1: Y(0), y2: Y(0), stroke: "#888" }));
  series.forEach((s) => {
    const color = s.color;
    if (s.lo && s.hi) {
      const top = [], bottom = [];
      x.forEach((v, j) => { if (s.lo[j] !== null && s.hi[j] !== null) { top.push(`${X(v)},${Y(s.hi[j])}`); bottom.unshift(`${X(v)},${Y(s.lo[j])}`); } });
      if (top.length) svg.append(el("path", { d: `M${top.join("L")}L${bottom.join("L")}Z`, fill: color, "fill-opacity": 0.15, stroke: "none" }));
    }
    svg.append(el("path", { d: line(x, s.y, X, Y), fill: "none", stroke: color, "stroke-width": s.dash ? 1.2 : 1.8,
      "stroke-dasharray": s.dash ? "5 3" : "none", "data-series": s.label }));
  });
  box.replaceChildren(svg, legend(series));
}

function line(x, y, X, Y) {
  let d = "", pen = "M";
  x.forEach((v, j) => { if (y[j] === null) { pen = "M"; return; } d += `${pen}${X(v).toFixed(1)},${Y(y[j]).toFixed(2)}`; pen = "L"; });
  return d || "M0,0";
}
function extent(series) {
  const all = series.flatMap((s) => [...s.y, ...(s.lo || []), ...(s.hi || [])]).filter((v) => v !== null);
  return all.length ? [Math.min(...all), Math.max(...all)] : [0, 1];
}
function ticks(a, b, n) {
  const step = Math.pow(10, Math.floor(Math.log10((b - a) / n))), k = [1, 2, 5, 10].find((f) => (b - a) / (f * step) <= n) * step;
  const out = []; for (let t = Math.ceil(a / k) * k; t <= b + 1e-9; t += k) out.push(+t.toFixed(10)); return out;
}
// day d of a scenario as a date: "24 Feb" within a year of its start, "Jul 1952" beyond
function dated(start, d, last) {
  const day = new Date(Date.parse(start + "T00:00:00Z") + d * 86400000);
  const month = day.toLocaleString("en", { month: "short", timeZone: "UTC" });
  return last > 366 ? `${month} ${day.getUTCFullYear()}` : `${day.getUTCDate()} ${month}`;
}
const pct = (v) => (v === null ? "–" : `${Math.round(100 * v)}%`);
const fmt = (v) => (Math.abs(v) >= 1000 ? v.toLocaleString("en") : +v.toFixed(3) + "");
function legend(series) {
  const box = el("div", { class: "legend" });
  series.filter((s) => !s.dash || s.legend).forEach((s) => {
    box.append(el("span", { style: `color:${s.color};margin-right:10px;font-size:12px` }, `— ${s.label}`));
  });
  return box;
}

// -- figures ---------------------------------------------------------------------------------
function draw(result) {
  const f = result.figures, days = f.days, since = "date (day 0: " + f.start_date + ")", start = f.start_date;
  const issues = Object.keys(f.agreed_by_day);
  const agreed = issues.flatMap((k, i) => [
    { label: `${k}: ${pct(f.agreed_by_day[k].share.at(-1))}`, y: f.agreed_by_day[k].share, lo: f.agreed_by_day[k].low, hi: f.agreed_by_day[k].high, color: COLORS[i % 8] },
    { label: `${k} (start)`, y: result.baseline.agreed_by_day[k].share, color: COLORS[i % 8], dash: true }]);
  chart(box("agreed_by_day"), { x: days, series: agreed, ylim: [0, 1], ylabel: "share agreed", xlabel: since, start });
  chart(box("at_war"), { x: days, ylim: [0, 1], ylabel: "share at war", xlabel: since, start, series: [
    { label: `now (${result.worlds.toLocaleString("en")} worlds): ${pct(f.at_war.share.at(-1))} at the end`, y: f.at_war.share, lo: f.at_war.low, hi: f.at_war.high, color: "#333" },
    { label: `starting config: ${pct(result.baseline.at_war.share.at(-1))}`, y: result.baseline.at_war.share, color: "#333", dash: true, legend: true }] });
  const d = result.difference.at_war;
  chart(box("difference"), { x: days, zero: true, ylabel: "share at war: now − start", xlabel: since, start,
    series: [{ label: "difference in the share at war", y: d.difference, lo: d.ci_low, hi: d.ci_high, color: "#a0522d" }] });
  effects(result.difference.effects);
  const beliefs = Object.entries(f.beliefs).map(([p, b], i) => ({ label: `${p}'s belief (side ${f.sides[p]})`, y: b.median, lo: b.low, hi: b.high, color: COLORS[(i + 1) % 8] }));
  chart(box("balance"), { x: days, ylim: [0, 1], ylabel: "P(side A prevails)", xlabel: since, start,
    series: [{ label: "true balance", y: f.balance.median, lo: f.balance.low, hi: f.balance.high, color: "#000" }, ...beliefs] });
  chart(box("territory"), { x: days, ylabel: "side A's share of the area", xlabel: since, start,
    series: [{ label: "side A's share", y: f.territory.median, lo: f.territory.low, hi: f.territory.high, color: "#556b2f" }] });
  const grid = el("div", { class: "small-multiples" }, undefined);
  for (const issue of issues) {
    const p = f.positions[issue], cell = el("div"), parties = Object.keys(p).filter((k) => k !== "days");
    cell.append(el("div", { style: "font-size:12px;font-weight:600" }, issue));
    grid.append(cell);
    if (!p.days.length || !parties.length) { cell.append(el("div", {}, "no rounds held")); continue; }
    chart(cell.appendChild(el("div")), { x: p.days, ylim: [0, 1], width: 330, height: 200, xlabel: "date of the round", start,
      series: parties.map((q) => ({ label: q, y: p[q].median, lo: p[q].low, hi: p[q].high, color: COLORS[Object.keys(f.sides).indexOf(q) % 8] })) });
  }
  box("positions").replaceChildren(grid);
}
const box = (name) => document.querySelector(`[data-figure="${name}"]`);

function effects(rows) {
  const table = el("table", { class: "effects" });
  const head = el("tr"); ["outcome", "start", "now", "difference [95% CI]", "worlds"].forEach((t) => head.append(el("th", {}, t)));
  table.append(head);
  for (const r of rows) {
    // a share in percent (its difference in percentage points), a day in days
    const share = !r.outcome.startsWith("day_"), scale = share ? 100 : 1, unit = share ? " pp" : " d";
    const v = (x) => (x === null ? "–" : (x * scale).toFixed(1));
    const level = (x) => v(x) + (share && x !== null ? "%" : "");
    const tr = el("tr", { "data-outcome": r.outcome });
    [r.outcome, level(r.baseline), level(r.value),
      r.difference === null ? "–" : `${v(r.difference)}${unit} [${v(r.ci_low)}, ${v(r.ci_high)}]`, r.n.toLocaleString("en")]
      .forEach((t) => tr.append(el("td", {}, t)));
    table.append(tr);
  }
  $("effects").replaceChildren(table);
}

// -- controls ---------------------------------------------------------------------------------
function buildControls(groups) {
  const keys = groups.flatMap((g) => g.controls.map((c) => c.key)).join(",");
  if (keys === view.controlKeys) return;
  view.controlKeys = keys;
  const aside = $("controls");
  aside.replaceChildren();
  groups.forEach((g, i) => {
    const d = el("details", i < 2 ? { open: "" } : {});
    d.append(el("summary", {}, g.title));
    g.controls.forEach((c) => d.append(control(c)));
    aside.append(d);
  });
}

function control(c) {
  if (!(c.key in view.start)) view.start[c.key] = c.value; // a control the starting config did not show (another tactic's)
  const value = c.key in view.change ? view.change[c.key] : view.start[c.key];
  const row = el("div", { class: "control", "data-key": c.key, title: `${c.key}: ${c.allowed}` });
  row.append(el("label", {}, c.label));
  const set = (v) => { edit(c.key, v); row.classList.toggle("changed", c.key in view.change); };
  if (c.kind === "bool") {
    const box = el("input", { type: "checkbox" }); box.checked = value === "true";
    box.addEventListener("change", () => set(box.checked ? "true" : "false"));
    row.append(box);
  } else if (c.kind === "choice") {
    const select = el("select");
    c.choices.forEach((o) => { const opt = el("option", { value: o }, o || "(default)"); if (o === value) opt.selected = true; select.append(opt); });
    select.addEventListener("change", () => set(select.value));
    row.append(select);
  } else {
    const slider = el("input", { type: "range", min: c.min, max: c.max, step: c.step });
    const field = el("input", { type: "text", value, placeholder: c.value === "" ? "none" : "", "aria-label": c.key });
    const numeric = value !== "" && !isNaN(+value);
    slider.value = numeric ? value : c.min;
    slider.disabled = !numeric && value !== "";
    slider.addEventListener("input", () => { field.value = slider.value; });
    slider.addEventListener("change", () => set(slider.value));
    field.addEventListener("change", () => { if (field.value !== "" && !isNaN(+field.value)) slider.value = field.value; set(field.value.trim()); });
    row.append(slider, field);
  }
  row.classList.toggle("changed", c.key in view.change);
  return row;
}

function edit(key, value) {
  if (value === view.start[key]) delete view.change[key]; else view.change[key] = value;
  clearTimeout(view.timer);
  view.timer = setTimeout(run, 150); // one run for a burst of edits
}

// -- the server ---------------------------------------------------------------------------------
async function post(path, body) {
  const answer = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return answer.json();
}

async function run() {
  try {
    const { id } = await post("/api/run", { change: view.change });
    view.asked = id;
    follow(id);
  } catch (err) {
    $("status-text").textContent = "negsim-view is not answering (stopped?); the last result stays on screen";
  }
}

async function follow(id) {
  for (;;) {
    let state;
    try {
      state = await (await fetch(`/api/state?wait=${id}&have=${view.shown}`)).json();
    } catch (err) { // the command was stopped: say so, keep what is shown
      $("status-text").textContent = "negsim-view is not answering (stopped?); the last result stays on screen";
      return;
    }
    if (id !== view.asked) return; // a newer change took over
    status(state);
    if (state.result && state.result.id >= id && state.result.id > view.shown) show(state.result);
    if (state.done >= id) {
      const failed = state.error && state.error.id === id;
      $("error").hidden = !failed;
      $("error").textContent = failed ? state.error.message : "";
      if (failed) $("status-text").textContent = "the last good result stays on screen";
      return;
    }
  }
}

function status(state) {
  const p = state.progress;
  $("progress").value = p ? p.day / Math.max(1, p.days) : 1;
  $("status-text").textContent = p ? `simulating ${p.worlds.toLocaleString("en")} worlds (${p.stage === "baseline" ? "the starting config" : "your change"}): day ${p.day} of ${p.days}` : "up to date";
}

function show(result) {
  if (view.shown < 0) { view.start = { ...result.start }; view.change = { ...result.change }; } // a page opened on a running view
  view.shown = result.id;
  view.result = result;
  buildControls(result.controls);
  draw(result);
  $("error").hidden = true;
  $("status-text").textContent = `up to date: ${result.worlds.toLocaleString("en")} worlds in ${result.seconds.toFixed(2)} s`;
  $("scenario").textContent = `${result.scenario} (from ${result.figures.start_date})`;
  $("about").textContent = "overrides: " + (result.overrides.join(" ") || "(none: the default scenario)");
}

$("save").addEventListener("click", async () => {
  const answer = await post("/api/save", { id: view.shown });
  $("files").textContent = answer.error || `saved ${answer.folder}; run it: ${answer.command}`;
});
$("open").addEventListener("click", async () => {
  $("files").textContent = "writing the run…";
  const answer = await post("/api/open", { id: view.shown });
  if (answer.error) { $("files").textContent = answer.error; return; }
  $("files").replaceChildren(el("a", { href: answer.report, target: "_blank" }, `${answer.folder}/report.html`));
});
$("reset").addEventListener("click", () => { view.change = {}; view.controlKeys = ""; run(); });

view.asked = 1; // the starting config, queued by the server as it started
follow(1);
