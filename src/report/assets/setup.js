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
