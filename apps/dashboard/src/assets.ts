/**
 * The dashboard's static assets, served from the package (never a CDN: the machine may be
 * offline): htmx from the `htmx.org` package, and the dashboard's own script and styles.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

let htmx: string | undefined;

/** htmx's minified build, read once from the installed `htmx.org` package. */
export function htmxSource(): string {
  htmx ??= readFileSync(createRequire(import.meta.url).resolve("htmx.org/dist/htmx.min.js"), "utf8");
  return htmx;
}

/**
 * The page script (no inline script anywhere: the CSP forbids it): the live activity feed over
 * server-sent events, and the leads table's select-all box.
 */
export const APP_JS = `"use strict";
(function () {
  var source = null;
  function connect() {
    var feed = document.querySelector("[data-stream]");
    if (!feed) { if (source) { source.close(); source = null; } return; }
    if (source && source.url.indexOf(feed.getAttribute("data-stream")) >= 0) return;
    if (source) source.close();
    source = new EventSource(feed.getAttribute("data-stream"));
    source.addEventListener("activity", function (e) {
      var target = document.querySelector("[data-stream] tbody");
      if (!target) return;
      target.insertAdjacentHTML("afterbegin", e.data);
      var state = document.getElementById("stream-state");
      if (state) state.textContent = "live · updated " + new Date().toLocaleTimeString();
    });
    source.addEventListener("open", function () {
      var state = document.getElementById("stream-state");
      if (state) state.textContent = "live";
    });
  }
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t && t.id === "select-all") {
      document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = t.checked; });
    }
  });
  document.addEventListener("click", function (e) {
    var t = e.target;
    var id = t && t.getAttribute && t.getAttribute("data-dismiss");
    if (id) { var el = document.getElementById(id); if (el) el.remove(); }
  });
  document.addEventListener("DOMContentLoaded", connect);
  document.addEventListener("htmx:load", connect);
})();
`;

export const APP_CSS = `
:root { --fg:#1d2330; --muted:#667085; --line:#e4e7ec; --bg:#f7f8fa; --accent:#2f5bea; --bad:#c4320a; --ok:#067647; --warn:#b54708; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif; color:var(--fg); background:var(--bg); }
header.top { display:flex; gap:1.2rem; align-items:center; padding:.6rem 1.2rem; background:#fff; border-bottom:1px solid var(--line); }
header.top .brand { font-weight:700; }
header.top nav a { color:var(--fg); text-decoration:none; margin-right:.9rem; }
header.top nav a.active { color:var(--accent); font-weight:600; }
header.top .mode { margin-left:auto; color:var(--muted); font-size:12px; }
main { padding:1.2rem; max-width:1400px; }
h1 { font-size:20px; margin:.2rem 0 1rem; } h2 { font-size:16px; margin:1.4rem 0 .6rem; }
.tiles { display:grid; grid-template-columns:repeat(auto-fill,minmax(260px,1fr)); gap:.8rem; }
.tile { background:#fff; border:1px solid var(--line); border-radius:8px; padding:.8rem 1rem; }
.tile h3 { margin:0 0 .5rem; font-size:14px; }
.tile dl { display:grid; grid-template-columns:1fr auto; margin:0; gap:.15rem .6rem; }
.tile dd { margin:0; text-align:right; font-variant-numeric:tabular-nums; }
.muted { color:var(--muted); } .small { font-size:12px; }
table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); }
th, td { text-align:left; padding:.35rem .55rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#fafbfc; font-weight:600; font-size:12px; color:var(--muted); white-space:nowrap; }
th a { color:inherit; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
.alerts { list-style:none; padding:0; margin:0; }
.alerts li { background:#fff; border-left:4px solid var(--warn); padding:.45rem .7rem; margin-bottom:.35rem; }
.alerts li.bad { border-color:var(--bad); }
.ok { color:var(--ok); }
.badge { display:inline-block; padding:0 .45rem; border-radius:9px; font-size:12px; background:#eef2ff; color:#3538cd; }
.badge.paused,.badge.limited,.badge.cancelled,.badge.disconnected,.badge.banned,.badge.do_not_contact { background:#fef3f2; color:var(--bad); }
.badge.active,.badge.available,.badge.valid { background:#ecfdf3; color:var(--ok); }
form.filters { display:flex; flex-wrap:wrap; gap:.5rem; align-items:end; margin-bottom:.8rem; }
form.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
input, select, button, textarea { font:inherit; padding:.3rem .45rem; border:1px solid #cfd4dc; border-radius:6px; background:#fff; }
button, .button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; text-decoration:none; padding:.3rem .7rem; border-radius:6px; display:inline-block; }
button.secondary, .button.secondary { background:#fff; color:var(--fg); border-color:#cfd4dc; }
button.danger { background:var(--bad); border-color:var(--bad); }
.actions { display:flex; gap:.4rem; flex-wrap:wrap; align-items:center; margin:.5rem 0; }
.flash { padding:.5rem .8rem; border-radius:6px; margin:.5rem 0; background:#ecfdf3; border:1px solid #abefc6; }
.flash.error { background:#fef3f2; border-color:#fecdca; }
.chart { background:#fff; border:1px solid var(--line); border-radius:8px; padding:.5rem; }
.chart .sends { fill:#2f5bea; } .chart .replies { fill:#12b76a; } .chart text { font-size:10px; fill:#667085; }
.legend span { margin-right:1rem; } .legend .sw { display:inline-block; width:10px; height:10px; margin-right:.3rem; }
.legend .sw.sends { background:#2f5bea; } .legend .sw.replies { background:#12b76a; }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:1rem; }
.login { max-width:360px; margin:10vh auto; background:#fff; padding:1.5rem; border:1px solid var(--line); border-radius:8px; }
.login form { display:flex; flex-direction:column; gap:.6rem; }
.saved-views { display:flex; flex-wrap:wrap; gap:.4rem 1rem; align-items:center; margin-bottom:.4rem; }
ul.views { list-style:none; display:flex; flex-wrap:wrap; gap:.3rem .8rem; padding:0; margin:0; align-items:center; }
ul.views li { display:flex; align-items:center; gap:.15rem; } ul.views form { display:inline; }
button.link { background:none; border:none; color:var(--muted); padding:0 .2rem; }
details.columns { position:relative; align-self:end; } details.columns summary { cursor:pointer; font-size:12px; color:var(--muted); padding:.3rem 0; }
details.columns[open] { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.3rem .6rem; }
details.columns label { flex-direction:row !important; gap:.3rem; align-items:center; color:var(--fg) !important; }
.confirm { background:#fffaeb; border:1px solid #fedf89; border-radius:6px; padding:.2rem .8rem; margin:.5rem 0; }
.pager { margin:.6rem 0; display:flex; gap:.6rem; align-items:center; }
form.limits { display:flex; gap:.4rem; flex-wrap:wrap; align-items:flex-end; }
form.limits label { display:flex; flex-direction:column; font-size:11px; color:var(--muted); }
form.limits label.invalid input { border-color:var(--bad); }
.field-error { color:var(--bad); font-size:11px; max-width:14rem; }
.chart .ci { stroke:#2f5bea; stroke-width:2; } .chart .point { fill:#1d2330; } .chart .best { fill:#067647; }
.experiment { background:#fff; border:1px solid var(--line); border-radius:8px; padding:.6rem 1rem; margin-bottom:1rem; }
.experiment h3 { margin:.2rem 0 .4rem; font-size:15px; } .verdict { margin:.6rem 0 .2rem; } .verdict.winner strong { color:var(--ok); }
.bottleneck { background:#fffaeb; border:1px solid #fedf89; border-radius:6px; padding:.5rem .8rem; }
pre.doc { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.6rem; overflow:auto; max-height:420px; font-size:12px; }
`;
