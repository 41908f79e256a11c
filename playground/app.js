// The playground page: controls, and drawings of what the training worker reports. All training
// happens in train-worker.js; this thread only draws, so the page stays responsive.
import { FEATURES } from './datasets.js';

const $ = (id) => document.getElementById(id);
const config = {
  dataset: 'circle', samples: 500, noise: 0, trainRatio: 0.5, batchSize: 10, seed: 1,
  features: ['x1', 'x2'], hidden: [4, 2], activation: 'tanh', optimizer: 'sgd', learningRate: 0.03,
  regularization: 'none', regularizationRate: 0.001,
};
const MAX_LAYERS = 6, MAX_UNITS = 8;
let playing = false;
let last = null;

const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
const ready = new Promise((resolve) => {
  worker.addEventListener('message', function once(e) {
    if (e.data.type !== 'ready') return;
    worker.removeEventListener('message', once);
    $('backend').textContent = `${e.data.backend}, ${e.data.threads} thread${e.data.threads === 1 ? '' : 's'}${e.data.isolated ? ', isolated' : ''}`;
    resolve(e.data);
  });
});
worker.addEventListener('message', (e) => {
  if (e.data.type === 'update') draw(e.data);
  if (e.data.type === 'error') $('error').textContent = e.data.message;
});
worker.addEventListener('error', (e) => ($('error').textContent = `worker: ${e.message}`));

function send() {
  $('error').textContent = '';
  worker.postMessage({ type: 'config', config: structuredClone(config) });
}

// ---- controls ------------------------------------------------------------------------------------

function bindRange(id, parse = Number) {
  const el = $(id), out = $(`${id}-out`);
  const show = () => (out.textContent = el.value);
  el.value = config[id];
  show();
  el.addEventListener('input', show);
  el.addEventListener('change', () => {
    config[id] = parse(el.value);
    send();
  });
}

function bindSelect(id, parse = (v) => v) {
  const el = $(id);
  el.value = String(config[id]);
  el.addEventListener('change', () => {
    config[id] = parse(el.value);
    send();
  });
}

function renderFeatures() {
  const box = $('features');
  box.replaceChildren();
  for (const name of Object.keys(FEATURES)) {
    const label = document.createElement('label');
    const cb = document.createElement('input');
    cb.type = 'checkbox';
    cb.value = name;
    cb.checked = config.features.includes(name);
    cb.addEventListener('change', () => {
      config.features = Object.keys(FEATURES).filter((f) => box.querySelector(`input[value="${CSS.escape(f)}"]`).checked);
      send();
    });
    label.append(cb, name);
    box.append(label);
  }
}

function renderLayers() {
  $('layer-count').textContent = String(config.hidden.length);
  const box = $('layers');
  box.replaceChildren();
  config.hidden.forEach((units, l) => {
    const col = document.createElement('div');
    col.className = 'layer';
    const controls = document.createElement('div');
    controls.className = 'controls';
    const minus = Object.assign(document.createElement('button'), { textContent: '−', title: 'fewer units' });
    const plus = Object.assign(document.createElement('button'), { textContent: '+', title: 'more units' });
    minus.addEventListener('click', () => changeUnits(l, -1));
    plus.addEventListener('click', () => changeUnits(l, 1));
    controls.append(minus, Object.assign(document.createElement('span'), { textContent: `${units}` }), plus);
    col.append(controls);
    for (let u = 0; u < units; u++) {
      const c = document.createElement('canvas');
      c.className = 'neuron';
      c.width = c.height = 48;
      c.dataset.layer = String(l);
      c.dataset.unit = String(u);
      col.append(c);
    }
    box.append(col);
  });
}

function changeUnits(l, delta) {
  config.hidden[l] = Math.min(MAX_UNITS, Math.max(1, config.hidden[l] + delta));
  renderLayers();
  send();
}

$('add-layer').addEventListener('click', () => {
  if (config.hidden.length >= MAX_LAYERS) return;
  config.hidden.push(2);
  renderLayers();
  send();
});
$('remove-layer').addEventListener('click', () => {
  if (config.hidden.length === 0) return;
  config.hidden.pop();
  renderLayers();
  send();
});
$('play').addEventListener('click', () => {
  playing = !playing;
  $('play').textContent = playing ? 'Pause' : 'Play';
  worker.postMessage({ type: playing ? 'play' : 'pause' });
});
$('step').addEventListener('click', () => {
  playing = false;
  $('play').textContent = 'Play';
  worker.postMessage({ type: 'step' });
});
$('reset').addEventListener('click', () => {
  config.seed++;
  send();
});
$('show-test').addEventListener('change', () => last && draw(last));

// ---- drawing -------------------------------------------------------------------------------------

/** TensorFlow Playground's colours: orange for -1, white for 0, blue for +1. */
function color(v) {
  const t = Math.max(-1, Math.min(1, v));
  const [r0, g0, b0] = t < 0 ? [245, 147, 34] : [8, 119, 189];
  const a = Math.abs(t);
  return [255 + (r0 - 255) * a, 255 + (g0 - 255) * a, 255 + (b0 - 255) * a];
}

function paint(canvas, values, grid, scale) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(grid, grid);
  for (let i = 0; i < grid * grid; i++) {
    const [r, g, b] = color(scale(values[i]));
    img.data.set([r, g, b, 255], i * 4);
  }
  const tmp = new OffscreenCanvas(grid, grid);
  tmp.getContext('2d').putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

function drawPoints(canvas, points, extent, stroke) {
  const ctx = canvas.getContext('2d');
  const px = (x) => ((x + extent) / (2 * extent)) * canvas.width;
  const py = (y) => ((extent - y) / (2 * extent)) * canvas.height;
  for (const p of points) {
    const [r, g, b] = color(p.label);
    ctx.beginPath();
    ctx.arc(px(p.x), py(p.y), 3, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${r | 0},${g | 0},${b | 0})`;
    ctx.fill();
    ctx.strokeStyle = stroke;
    ctx.stroke();
  }
}

function drawLoss(history) {
  const c = $('loss-curve'), ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  if (history.length < 2) return;
  const max = Math.max(...history.flat(), 1e-9);
  for (const [k, style] of [[0, '#777'], [1, '#111']]) {
    ctx.beginPath();
    history.forEach((h, i) => {
      const x = (i / (history.length - 1)) * c.width, y = c.height - (h[k] / max) * (c.height - 4) - 2;
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = style;
    ctx.stroke();
  }
}

const fmt = (v) => (v === null ? '–' : v.toFixed(3));
const pct = (v) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

function draw(u) {
  last = u;
  $('epoch').textContent = String(u.epoch);
  $('train-loss').textContent = fmt(u.train.loss);
  $('test-loss').textContent = fmt(u.test.loss);
  $('train-acc').textContent = pct(u.train.accuracy);
  $('test-acc').textContent = pct(u.test.accuracy);
  $('test-acc').dataset.value = u.test.accuracy === null ? '' : String(u.test.accuracy);
  drawLoss(u.history);
  const heat = $('heatmap');
  paint(heat, u.heat, u.grid, u.regression ? (v) => v : (p) => 2 * p - 1);
  drawPoints(heat, u.points.train, u.extent, '#fff');
  if ($('show-test').checked) drawPoints(heat, u.points.test, u.extent, '#000');
  u.neurons.forEach((maps, l) =>
    maps.forEach((values, unit) => {
      const canvas = document.querySelector(`canvas.neuron[data-layer="${l}"][data-unit="${unit}"]`);
      if (!canvas) return;
      let m = 1e-9;
      for (const v of values) m = Math.max(m, Math.abs(v));
      paint(canvas, values, u.grid, (v) => v / m);
    }),
  );
}

bindSelect('dataset');
bindRange('trainRatio');
bindRange('noise');
bindRange('batchSize');
bindRange('samples');
bindSelect('activation');
bindSelect('optimizer');
bindSelect('learningRate', Number);
bindSelect('regularization');
bindSelect('regularizationRate', Number);
renderFeatures();
renderLayers();
await ready;
send();
/** For scripted use (tests, the console): the settings and the last update. */
window.playground = { config, send, get last() { return last; }, ready };
