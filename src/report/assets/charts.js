// Per-slot attempt positions sorted by start (for hover), and attempts grouped by colour.
function prepare(D) {
  const n = D.seq.length, start = new Float64Array(n), end = new Float64Array(n);
  let rows = D.slots, tEnd = 0;
  for (let i = 0; i < n; i++) {
    [start[i], end[i]] = [D.start[i] / 1000, (D.start[i] + D.wall[i]) / 1000];
    [tEnd, rows] = [Math.max(tEnd, end[i]), Math.max(rows, D.slot[i])];
  }
  const final = new Uint8Array(n).fill(1);
  for (const k of D.retry) final[k] = 0;
  const notes = new Map(D.notes.map((x) => [x[0], x]));
  const row = new Int32Array(n), off = new Int32Array(rows + 1);
  for (let i = 0; i < n; i++) {
    row[i] = Math.min(Math.max(D.slot[i], 1), rows) - 1;
    off[row[i] + 1]++;
  }
  for (let r = 0; r < rows; r++) off[r + 1] += off[r];
  const order = new Int32Array(n), fill = off.slice();
  for (let i = 0; i < n; i++) order[fill[row[i]]++] = i;
  const sorted = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const part = order.subarray(off[r], off[r + 1]);
    // Attempts come in the order they ended, which in one slot is mostly the order they began.
    if (part.some((i, k) => k > 0 && start[i] < start[part[k - 1]])) part.sort((a, b) => start[a] - start[b]);
  }
  for (let p = 0; p < n; p++) sorted[p] = start[order[p]];
  // Attempts by colour, slot after slot in start order; the commonest colour is drawn first.
  const lists = Array.from({ length: 2 * D.outcomes.length }, () => []);
  for (const i of order) lists[D.out[i] * 2 + final[i]].push(i);
  const groups = lists.map((list, key) => [key, list]).filter((g) => g[1].length);
  groups.sort((a, b) => b[1].length - a[1].length);
  return { n, start, end, final, notes, rows, tEnd: tEnd || 1, row, off, order, sorted, groups };
}

function dot(color) {
  const i = document.createElement('i');
  i.className = 'dot';
  i.style.background = color;
  return i;
}

function legend(D) {
  const seen = new Set(D.out), box = $('legend');
  D.outcomes.forEach((o, k) => {
    if (!seen.has(k)) return;
    const item = document.createElement('span');
    item.append(dot(o.color), o.name);
    box.append(item);
  });
}

function timeline(D, R, onView) {
  const canvas = $('timeline'), tip = $('tip'), sel = $('sel'), hl = $('hl');
  const rowH = Math.min(22, 440 / R.rows), padL = D.rowLabels ? 104 : 52, padR = 14, padT = 4, plotH = R.rows * rowH;
  const H = padT + plotH + 24, pad = rowH >= 10 ? 3 : rowH >= 4 ? 1 : 0;
  let v0 = 0, v1 = R.tEnd, x1 = 0, sx = 1, drag = null;
  sel.style.height = plotH + padT + 'px';
  function draw() {
    const { ctx, w } = setupCanvas(canvas, H);
    x1 = w - padR;
    sx = (x1 - padL) / (v1 - v0);
    ctx.fillStyle = '#f7f8fa';
    if (rowH >= 6) for (let r = 1; r < R.rows; r += 2) ctx.fillRect(padL, padT + r * rowH, x1 - padL, rowH);
    timeAxis(ctx, padL, x1, padT, padT + plotH, v0, v1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(padL, padT, x1 - padL, plotH);
    ctx.clip();
    let drawn = 0;
    const bh = Math.max(rowH - 2 * pad, 0.6);
    for (const [key, list] of R.groups) {
      ctx.fillStyle = D.outcomes[key >> 1].color;
      ctx.globalAlpha = key & 1 ? 1 : 0.45;
      let runRow = -1, runA = 0, runB = 0;  // thin neighbours merge into one rectangle
      const flush = () => runRow >= 0 && ctx.fillRect(runA, padT + runRow * rowH + pad, runB - runA, bh);
      for (const i of list) {
        const a = R.start[i], b = R.end[i];
        if (b < v0 || a > v1) continue;
        drawn++;
        const xa = padL + (a - v0) * sx, bw = (b - a) * sx;
        if (bw < 2 && R.row[i] === runRow && xa <= runB + 0.5) {
          runB = Math.max(runB, xa + Math.max(bw, 0.8));
          continue;
        }
        flush();
        runRow = R.row[i];
        runA = xa;
        runB = xa + (bw > 4 ? bw - 1 : Math.max(bw, 0.8));
      }
      flush();
    }
    ctx.restore();
    Object.assign(ctx, { fillStyle: INK, textAlign: 'right', textBaseline: 'middle' });
    const every = Math.ceil(13 / rowH);
    const label = (r) => (D.rowLabels ? D.rowLabels[r] || '' : 'slot ' + (r + 1));
    for (let r = 0; r < R.rows; r += every) ctx.fillText(label(r), padL - 6, padT + (r + 0.5) * rowH);
    return drawn;
  }
  // The attempt under (x, y), allowing a few pixels' slack for thin bars; -1 for none.
  function hit(x, y) {
    const r = Math.floor((y - padT) / rowH);
    if (r < 0 || r >= R.rows || x < padL || x > x1) return -1;
    const t = v0 + (x - padL) / sx, tol = 3 / sx, lo = R.off[r];
    let a = lo, b = R.off[r + 1];
    while (a < b) {
      const m = (a + b) >> 1;
      if (R.sorted[m] <= t + tol) a = m + 1;
      else b = m;
    }
    let best = -1, bestD = Infinity;
    for (let p = a - 1; p >= lo && p >= a - 64; p--) {
      const i = R.order[p], d = t < R.start[i] ? R.start[i] - t : Math.max(0, t - R.end[i]);
      if (d < bestD) [best, bestD] = [i, d];
      if (d === 0 || R.end[i] < t - tol) break;
    }
    return bestD <= tol ? best : -1;
  }
  function line(cls, text) {
    const div = document.createElement('div');
    div.className = cls;
    div.textContent = text;
    tip.append(div);
    return div;
  }
  function showTip(i, cx, cy) {
    const o = D.outcomes[D.out[i]], note = R.notes.get(i);
    tip.replaceChildren();
    line('cmd', D.cmd[i]);
    if (D.input[i]) line('input', 'input ' + D.input[i]);
    const where = D.rowLabels ? D.rowLabels[D.slot[i] - 1] : 'slot ' + D.slot[i];
    line('meta', `task ${D.seq[i]} · attempt ${D.att[i]} · ${where} · start ${fmtDur(R.start[i])}`);
    line('', `runtime ${fmtDur(D.wall[i] / 1000)} · CPU ${fmtDur(D.cpu[i] / 1000)} · peak RSS ${fmtKib(D.rss[i])}`);
    let what = o.name;
    if (note && o.name === 'failed') what += `, exit code ${note[1]}`;
    if (note && note[2]) what += `, signal ${note[2]}`;
    const out = line('', what + (R.final[i] ? '' : ' (tried again)'));
    out.prepend(dot(o.color), ' ');
    if (note && note[3]) line('err', note[3]);
    if (note && note[4]) line('stderr', note[4].replace(/\s+$/, ''));
    tip.hidden = false;
    const tw = tip.offsetWidth, th = tip.offsetHeight;
    tip.style.left = Math.max(4, cx + 14 + tw > innerWidth ? cx - 14 - tw : cx + 14) + 'px';
    tip.style.top = Math.max(4, cy + 14 + th > innerHeight ? cy - 14 - th : cy + 14) + 'px';
    const xa = padL + (Math.max(R.start[i], v0) - v0) * sx, xb = padL + (Math.min(R.end[i], v1) - v0) * sx;
    Object.assign(hl.style, { left: xa + 'px', width: Math.max(xb - xa, 1) + 'px',
      top: padT + R.row[i] * rowH + pad + 'px', height: Math.max(rowH - 2 * pad, 1) + 'px' });
    hl.hidden = false;
  }
  const local = (ev) => {
    const rect = canvas.getBoundingClientRect();
    return [ev.clientX - rect.left, ev.clientY - rect.top];
  };
  const clampX = (x) => Math.min(Math.max(x, padL), x1);
  canvas.addEventListener('mousemove', (ev) => {
    const [x, y] = local(ev);
    if (drag !== null) {
      const a = Math.min(drag, clampX(x)), b = Math.max(drag, clampX(x));
      Object.assign(sel.style, { left: a + 'px', width: b - a + 'px' });
      sel.hidden = false;
      return;
    }
    const i = hit(x, y);
    if (i < 0) tip.hidden = hl.hidden = true;
    else showTip(i, ev.clientX, ev.clientY);
  });
  canvas.addEventListener('mouseleave', () => (tip.hidden = hl.hidden = true));
  canvas.addEventListener('mousedown', (ev) => {
    const [x] = local(ev);
    if (ev.button === 0 && x >= padL && x <= x1) drag = x;
    tip.hidden = hl.hidden = true;
    ev.preventDefault();
  });
  window.addEventListener('mouseup', (ev) => {
    if (drag === null) return;
    const x = clampX(local(ev)[0]), a = Math.min(drag, x), b = Math.max(drag, x);
    drag = null;
    sel.hidden = true;
    if (b - a < 4) return;
    [v0, v1] = [v0 + (a - padL) / sx, v0 + (b - padL) / sx];
    draw();
    onView(v0, v1);
  });
  canvas.addEventListener('dblclick', () => {
    [v0, v1] = [0, R.tEnd];
    draw();
    onView(v0, v1);
  });
  return { draw, view: () => [v0, v1] };
}

// Running tasks per slot (and CPU time per usable CPU) in time buckets over [v0, v1].
function utilization(D, R) {
  const canvas = $('util'), H = 170, padL = 52, padR = 14, padT = 8, bottom = H - 24;
  if (!(D.cpus > 0)) $('cpu-legend').hidden = true;
  function spread(acc, diff, a, b, v0, bw, nb, weight) {
    const ia = Math.min(Math.floor((a - v0) / bw), nb - 1), ib = Math.min(Math.floor((b - v0) / bw), nb - 1);
    if (ia === ib) return void (acc[ia] += (b - a) * weight);
    acc[ia] += (v0 + (ia + 1) * bw - a) * weight;
    acc[ib] += (b - v0 - ib * bw) * weight;
    diff[ia + 1] += bw * weight;
    diff[ib] -= bw * weight;
  }
  function series(v0, v1, nb) {
    const bw = (v1 - v0) / nb, busy = new Float64Array(nb + 1), cpu = new Float64Array(nb + 1);
    const db = new Float64Array(nb + 1), dc = new Float64Array(nb + 1);
    for (let i = 0; i < R.n; i++) {
      const a = Math.max(R.start[i], v0), b = Math.min(R.end[i], v1);
      if (!(b > a)) continue;
      spread(busy, db, a, b, v0, bw, nb, 1);
      if (D.wall[i] > 0) spread(cpu, dc, a, b, v0, bw, nb, D.cpu[i] / D.wall[i]);
    }
    let sb = 0, sc = 0;
    for (let k = 0; k < nb; k++) {
      busy[k] = Math.min(1, (busy[k] + (sb += db[k])) / (bw * R.rows));  // never over, whatever the data
      cpu[k] = D.cpus > 0 ? (cpu[k] + (sc += dc[k])) / (bw * D.cpus) : 0;
    }
    return [busy, cpu];
  }
  function draw(v0, v1) {
    const { ctx, w } = setupCanvas(canvas, H), x1 = w - padR;
    const nb = Math.max(20, Math.min(600, Math.floor((x1 - padL) / 2)));
    const [busy, cpu] = series(v0, v1, nb);
    let max = 1;
    for (let k = 0; k < nb; k++) max = Math.max(max, busy[k], cpu[k]);
    max = Math.ceil(max * 4 - 1e-6) / 4;  // rounding noise must not add a quarter
    valueAxis(ctx, padL, x1, padT, bottom, max, (v) => Math.round(v * 100) + '%');
    timeAxis(ctx, padL, x1, padT, bottom, v0, v1);
    const px = (x1 - padL) / nb, y = (v) => bottom - (v / max) * (bottom - padT);
    const path = (vals) => {
      ctx.beginPath();
      ctx.moveTo(padL, y(vals[0]));
      for (let k = 0; k < nb; k++) ctx.lineTo(padL + (k + 0.5) * px, y(vals[k]));
      ctx.lineTo(x1, y(vals[nb - 1]));
    };
    path(busy);
    ctx.lineTo(x1, bottom);
    ctx.lineTo(padL, bottom);
    ctx.fillStyle = 'rgba(74,127,193,0.18)';
    ctx.fill();
    path(busy);
    ctx.strokeStyle = '#4a7fc1';
    ctx.lineWidth = 1.5;
    ctx.stroke();
    if (D.cpus > 0) {
      path(cpu);
      ctx.strokeStyle = '#ee9a2f';
      ctx.stroke();
    }
  }
  return { draw };
}

// A histogram of `values` with the run's p50/p90/p99 marked.
function histogram(id, values, dist, fmt, color) {
  const canvas = $(id), H = 190, padL = 52, padR = 14, padT = 18, bottom = H - 24;
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > 0)) {  // nothing measured, as for memory on some systems
    const note = document.createElement('p');
    note.className = 'empty';
    note.textContent = 'Not measured.';
    canvas.replaceWith(note);
    return () => {};
  }
  if (hi - lo < hi * 0.05) lo = 0;  // (nearly) a single value: show it against zero
  const step = niceStep(hi - lo, 30, false);
  lo = Math.floor(lo / step) * step;
  const nb = Math.max(1, Math.ceil((hi - lo) / step + 1e-9)), counts = new Float64Array(nb);
  for (const v of values) counts[Math.min(Math.floor((v - lo) / step), nb - 1)]++;
  const top = Math.max(1, ...counts), span = nb * step;
  const unit = niceStep(top, 4, false), ymax = unit * Math.ceil(top / unit);
  return function draw() {
    const { ctx, w } = setupCanvas(canvas, H), x1 = w - padR, sx = (x1 - padL) / span;
    valueAxis(ctx, padL, x1, padT, bottom, ymax, (v) => (Number.isInteger(v) ? String(v) : ''));
    ctx.fillStyle = color;
    counts.forEach((c, k) => {
      const h = (c / ymax) * (bottom - padT);
      if (c > 0) ctx.fillRect(padL + k * step * sx + 0.5, bottom - h, Math.max(step * sx - 1, 1), h);
    });
    Object.assign(ctx, { fillStyle: INK, textAlign: 'center', textBaseline: 'top' });
    const tick = niceStep(span, (x1 - padL) / 80, false);
    for (let k = Math.ceil(lo / tick - 1e-9); k * tick <= lo + span + 1e-9; k++) {
      const text = fmt(k * tick), x = padL + (k * tick - lo) * sx;
      if (x + ctx.measureText(text).width / 2 <= w) ctx.fillText(text, x, bottom + 7);
    }
    ctx.setLineDash([4, 3]);
    Object.assign(ctx, { strokeStyle: '#1f2933', fillStyle: '#1f2933', textAlign: 'left' });
    const marks = [];  // percentiles on the same pixel share a line and a label
    for (const [name, v] of [['p50', dist.p50], ['p90', dist.p90], ['p99', dist.p99]]) {
      if (v < lo || v > lo + span) continue;
      const x = Math.round(padL + (v - lo) * sx) + 0.5, last = marks[marks.length - 1];
      if (last && x - last.x < 2) last.name += '/' + name;
      else marks.push({ x, name });
    }
    let free = -Infinity;  // where the next label may start without covering the last
    for (const { x, name } of marks) {
      ctx.beginPath();
      ctx.moveTo(x, bottom);
      ctx.lineTo(x, padT - 4);
      ctx.stroke();
      const tw = ctx.measureText(name).width, right = Math.max(x + 3, free);
      const at = right + tw <= w ? right : x - 3 - tw;  // left of the line at the right edge
      ctx.fillText(name, at, padT - 16);
      free = at + tw + 6;
    }
    ctx.setLineDash([]);
  };
}

function main() {
  const D = JSON.parse($('data').textContent), n = D.seq.length;
  $('data').remove();  // parsed once; a DOM dump need not carry megabytes of it
  $('attempt-count').textContent = String(n);
  body.dataset.tasks = String(n);
  if (n === 0) return;
  const R = prepare(D);
  legend(D);
  const util = utilization(D, R);
  const tl = timeline(D, R, (v0, v1) => util.draw(v0, v1));
  const finals = [];
  for (let i = 0; i < n; i++) if (R.final[i]) finals.push(i);
  const histRt = histogram('hist-runtime', finals.map((i) => D.wall[i] / 1000), D.rt, fmtDur, '#4a7fc1');
  const mib = Object.fromEntries(Object.entries(D.rss_kib).map(([k, v]) => [k, v / 1024]));
  const histRss = histogram('hist-rss', finals.map((i) => D.rss[i] / 1024), mib, (m) => fmtKib(m * 1024), '#7a6bb8');
  const drawAll = () => {
    const drawn = tl.draw();
    util.draw(...tl.view());
    histRt();
    histRss();
    return drawn;
  };
  body.dataset.tasks = String(drawAll());
  let pending = false;
  window.addEventListener('resize', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      drawAll();
    });
  });
}

window.addEventListener('error', (ev) => showError(ev.error || ev.message));
try {
  main();
  body.dataset.ready = '1';
} catch (e) {
  showError(e);
}
