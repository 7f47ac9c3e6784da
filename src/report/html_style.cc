// The report page's style sheet and the helpers its script starts with.
#include "report/html_assets.h"

namespace coreflow {

extern const char* const kReportStyle = R"(<style>
:root{--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--soft:#f5f7fa}
*{box-sizing:border-box}[hidden]{display:none!important}
body{margin:0;background:#fff;color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1400px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:22px;margin:0;font-weight:650}h2{font-size:16px;margin:0 0 8px;font-weight:600}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.top{display:flex;align-items:baseline;gap:16px;flex-wrap:wrap}
.status{color:var(--muted)}.status.bad{color:#b42318;font-weight:600}
.template{margin:10px 0 12px;display:flex;gap:10px;align-items:baseline}
.template code{background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:3px 8px;
white-space:pre-wrap;overflow-wrap:anywhere}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 12px;font-size:13px}
.meta dt{color:var(--muted)}.meta dd{margin:0}.meta code{white-space:pre-wrap;overflow-wrap:anywhere}
.label{color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.04em}
.chips{display:flex;flex-wrap:wrap;gap:8px}
.chip{display:inline-flex;align-items:center;gap:6px;border:1px solid var(--line);border-radius:999px;
padding:1px 10px;font-size:12.5px;white-space:nowrap}
.dot{width:10px;height:10px;border-radius:2px;display:inline-block;flex:none}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0 4px}
.card{flex:1 1 110px;border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.card .value{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}
.card .note{color:var(--muted);font-size:12px}.card.wide{flex:2 1 320px}
.dist{display:grid;grid-template-columns:repeat(4,1fr);gap:6px;margin-top:4px}
.dist span{display:block;color:var(--muted);font-size:11px}
.dist b{font-size:14.5px;font-weight:600;font-variant-numeric:tabular-nums;white-space:nowrap}
section{margin-top:26px}.chart{position:relative}canvas{display:block}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:0 0 8px;font-size:12.5px}
.legend span{display:inline-flex;align-items:center;gap:6px}
.hint{color:var(--muted);font-size:12px;margin:6px 0 0}
.sel{position:absolute;top:0;background:rgba(59,130,246,.12);border:1px solid #3b82f6;
border-width:0 1px;pointer-events:none}
.hl{position:absolute;outline:2px solid #111;outline-offset:1px;pointer-events:none}
.tip{position:fixed;z-index:10;max-width:560px;background:#fff;border:1px solid #cbd2d9;border-radius:6px;
box-shadow:0 4px 16px rgba(0,0,0,.14);padding:8px 10px;font-size:12.5px;pointer-events:none}
.tip .cmd{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere;
margin-bottom:4px}.tip .err{color:#b42318;white-space:pre-wrap;margin-top:2px}
.tip .input{font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.tip .stderr,pre.stderr{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;
white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0 0;color:var(--fg);background:var(--soft);
border-left:3px solid #fda29b;padding:2px 6px}
.tip .meta{color:var(--muted)}
.row2{display:grid;grid-template-columns:1fr 1fr;gap:28px}
@media(max-width:900px){.row2{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;color:var(--muted);font-weight:600;font-size:11.5px;text-transform:uppercase;
letter-spacing:.03em;border-bottom:1px solid #cbd2d9;padding:6px 8px}
td{border-bottom:1px solid var(--line);padding:5px 8px;vertical-align:top}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.cmd code{white-space:pre-wrap;overflow-wrap:anywhere}td.reason{color:#b42318}
.empty{color:var(--muted);padding:20px;border:1px dashed #cbd2d9;border-radius:8px;text-align:center}
#script-error{background:#fef3f2;border:1px solid #fda29b;color:#b42318;padding:10px 14px;
border-radius:6px;white-space:pre-wrap}
footer{color:var(--muted);font-size:12px;margin-top:28px}
</style>)";

// Draws the charts from the JSON block. Data reaches the page only through textContent.
extern const char* const kReportScriptSetup = R"JS(
'use strict';
const $ = (id) => document.getElementById(id);
const body = document.body, GRID = '#e4e7eb', INK = '#52606d';
function showError(e) {
  let box = $('script-error');
  if (!box) {
    box = document.createElement('pre');
    box.id = 'script-error';
    document.querySelector('main').prepend(box);
  }
  box.textContent = 'The report script failed: ' + (e && e.message ? e.message : String(e));
  body.dataset.ready = 'error';
}
const clock = (s) => {
  const t = Math.round(s), h = Math.floor(t / 3600), m = Math.floor(t / 60) % 60;
  const p2 = (v) => String(v).padStart(2, '0');
  return h > 0 ? `${h}:${p2(m)}:${p2(t % 60)}` : `${m}:${p2(t % 60)}`;
};
const fmtDur = (s) => (s < 60 ? s.toFixed(s < 10 ? 2 : 1) + ' s' : clock(s));
function fmtKib(k) {
  const b = k * 1024;
  if (b >= 2 ** 30) return (b / 2 ** 30).toFixed(1) + ' GiB';
  if (b >= 2 ** 20) return (b / 2 ** 20).toFixed(0) + ' MiB';
  return k.toFixed(0) + ' KiB';
}
// A round step for about `count` ticks over `span`; seconds step like a clock.
function niceStep(span, count, time) {
  const raw = span / Math.max(count, 1);
  if (time && raw > 1) {
    for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400])
      if (s >= raw) return s;
    return Math.ceil(raw / 86400) * 86400;
  }
  const p = 10 ** Math.floor(Math.log10(raw || 1)), m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}
// "45 s", "2.5 s"; a clock ("1:05:30", "32:07.5") once the view reaches past 100 s.
function timeTick(t, step, end) {
  const digits = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)), scale = 10 ** digits;
  if (end < 100) return t.toFixed(digits) + ' s';
  const r = Math.round(t * scale) / scale, whole = Math.floor(r);
  return clock(whole) + (digits ? (r - whole).toFixed(digits).slice(1) : '');
}
function setupCanvas(canvas, h) {
  const dpr = window.devicePixelRatio || 1, w = canvas.parentElement.clientWidth;
  Object.assign(canvas.style, { width: w + 'px', height: h + 'px' });
  Object.assign(canvas, { width: Math.round(w * dpr), height: Math.round(h * dpr) });
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.font = '11px system-ui, sans-serif';
  return { ctx, w };
}
// Vertical grid lines and labels of a time axis along the bottom of a plot.
function timeAxis(ctx, x0, x1, top, bottom, v0, v1) {
  const step = niceStep(v1 - v0, (x1 - x0) / 90, true), sx = (x1 - x0) / (v1 - v0);
  Object.assign(ctx, { strokeStyle: GRID, fillStyle: INK, textAlign: 'center', textBaseline: 'top' });
  ctx.beginPath();
  for (let k = Math.ceil(v0 / step - 1e-9); k * step <= v1 + 1e-9; k++) {
    const x = Math.round(x0 + (k * step - v0) * sx) + 0.5;
    ctx.moveTo(x, top);
    ctx.lineTo(x, bottom + 4);
    ctx.fillText(timeTick(k * step, step, v1), x, bottom + 7);
  }
  ctx.stroke();
}
// Horizontal grid lines and labels of a value axis along the left of a plot.
function valueAxis(ctx, x0, x1, top, bottom, max, label) {
  const step = niceStep(max, Math.max(2, (bottom - top) / 40), false);
  Object.assign(ctx, { strokeStyle: GRID, fillStyle: INK, textAlign: 'right', textBaseline: 'middle' });
  ctx.beginPath();
  for (let v = 0; v <= max + 1e-9; v += step) {
    const y = Math.round(bottom - (v / max) * (bottom - top)) + 0.5;
    ctx.moveTo(x0, y);
    ctx.lineTo(x1, y);
    ctx.fillText(label(v), x0 - 6, y);
  }
  ctx.stroke();
}
)JS";

}  // namespace coreflow
