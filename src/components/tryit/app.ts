/**
 * The Try-it section in the browser (loaded by ./loader.ts once the section is on screen):
 * loads TensorFlow.js and every compact CNN the pipeline exported, then runs all of
 * them on a sample test image, an uploaded file or a drawing, and shows their
 * probabilities side by side, the chosen model's activation maps layer by layer (the
 * static figure's channels and colour scale) and its propagation strip.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { TryItLayer, TryItMeta, TryItModel } from './types.ts';
import { BadImage, checkFile, MAX_FILE_BYTES, MAX_PIXELS, resizeTo, rgbaToGrey, toInput } from './preprocess.ts';

/** Side of the images the models take: set from meta.json when the section starts. */
let SIZE = 64;
import { pickBackend } from './backend.ts';
import { inflateGzipFetches } from './gzip-fetch.ts';

/** The page promises this agreement with the pipeline on the sample images. */
const TOLERANCE = 1e-4;
const TILE_PX = 64;
const TILE_GAP = 2;

interface Runner {
  meta: TryItModel;
  /** The model with every recorded layer's output added, so one pass gives maps and probabilities. */
  probe: LayersModel;
}

interface Outcome {
  probs: Float32Array;
  /** Per recorded layer: one sample's values, height × width × channels. */
  maps: Float32Array[];
}

type Source = { kind: 'sample'; index: number } | { kind: 'upload'; name: string } | { kind: 'draw' };

interface Input {
  pixels: Uint8Array;
  source: Source;
  /** How the image was converted, one sentence each. */
  notes: string[];
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
};
const pct = (p: number) => `${(p * 100).toFixed(1)}%`;
const kB = (n: number) => `${Math.round(n / 1000).toLocaleString('en')} kB`;

function runnerFor(meta: TryItModel, model: LayersModel): Runner {
  const outputs = meta.layers.map((l) => model.getLayer(l.name).output as SymbolicTensor);
  return { meta, probe: functionalModel({ inputs: model.inputs, outputs: [...outputs, model.outputs[0] as SymbolicTensor] }) };
}

async function run(runner: Runner, pixels: Uint8Array): Promise<Outcome> {
  const outs = tf.tidy(() => runner.probe.predict(tf.tensor4d(toInput(pixels), [1, SIZE, SIZE, 1])) as tf.Tensor[]);
  const values = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(outs);
  return { probs: values[values.length - 1]!, maps: values.slice(0, -1) };
}

/** A layer's chosen channels as coloured tiles, laid out as the static figure does (down each column). */
function drawGrid(canvas: HTMLCanvasElement, values: Float32Array, layer: TryItLayer, channels: number[], rows: number, lut: Uint8Array): number {
  const [h, w, c] = layer.shape;
  const rowsN = Math.max(1, Math.min(rows, channels.length));
  const cols = Math.ceil(channels.length / rowsN);
  const scale = Math.max(1, Math.floor(TILE_PX / Math.max(h, w)));
  const tw = w * scale;
  const th = h * scale;
  canvas.width = cols * tw + (cols - 1) * TILE_GAP;
  canvas.height = rowsN * th + (rowsN - 1) * TILE_GAP;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(canvas.width, canvas.height);
  image.data.fill(255);
  const range = layer.max - layer.min || 1;
  let outside = 0;
  channels.forEach((ch, i) => {
    const x0 = Math.floor(i / rowsN) * (tw + TILE_GAP);
    const y0 = (i % rowsN) * (th + TILE_GAP);
    for (let y = 0; y < th; y++)
      for (let x = 0; x < tw; x++) {
        const v = values[(Math.floor(y / scale) * w + Math.floor(x / scale)) * c + ch]!;
        const q = Math.round(((v - layer.min) / range) * 255);
        if (x % scale === 0 && y % scale === 0 && (q < 0 || q > 255)) outside++;
        const k = Math.min(255, Math.max(0, q)) * 3;
        const at = ((y0 + y) * canvas.width + x0 + x) * 4;
        image.data[at] = lut[k]!;
        image.data[at + 1] = lut[k + 1]!;
        image.data[at + 2] = lut[k + 2]!;
      }
  });
  ctx.putImageData(image, 0, 0);
  return outside / (channels.length * h * w);
}

function drawGrey(canvas: HTMLCanvasElement, pixels: Uint8Array): void {
  canvas.width = SIZE;
  canvas.height = SIZE;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(SIZE, SIZE);
  pixels.forEach((v, i) => image.data.set([v, v, v, 255], i * 4));
  ctx.putImageData(image, 0, 0);
}

/** Decodes a user's file into the SIZE × SIZE grey the models see, or throws BadImage with the reason. */
async function fromFile(file: File): Promise<Input> {
  const name = file.name || 'the file';
  if (file.size > MAX_FILE_BYTES) throw new BadImage(`“${name}” is ${(file.size / 1e6).toFixed(0)} MB; files up to ${MAX_FILE_BYTES / 1024 / 1024} MB are accepted.`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const header = checkFile(name, bytes);
  let bitmap: ImageBitmap;
  try {
    // 'from-image': turned upright as its EXIF orientation says (what the reader sees in any viewer; the page says so).
    bitmap = await createImageBitmap(new Blob([bytes], { type: file.type }), { imageOrientation: 'from-image' });
  } catch {
    throw new BadImage(
      header
        ? `“${name}” starts like a ${header.kind.toUpperCase()} but this browser cannot decode it: the file is damaged.`
        : `“${name}” is not an image this browser can decode${file.type ? ` (its type is ${file.type})` : ''}. Try a PNG, JPEG, WebP or GIF.`,
    );
  }
  const { width, height } = bitmap;
  if (width * height > MAX_PIXELS) {
    bitmap.close();
    throw new BadImage(`“${name}” is ${width.toLocaleString('en')} × ${height.toLocaleString('en')} pixels, too large to process in the page (at most ${MAX_PIXELS / 1e6} megapixels).`);
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const grey = rgbaToGrey(ctx.getImageData(0, 0, width, height).data, width, height);
  const notes: string[] = [`${header ? header.kind.toUpperCase() : 'Image'} of ${width} × ${height} pixels${header?.kind === 'gif' ? ' (its first frame)' : ''}.`];
  notes.push('Turned upright as its EXIF orientation tag says, if it has one: the browser’s decoder does that (the pipeline’s, sharp, keeps the stored pixel order).');
  if (grey.transparent) notes.push('It has transparent pixels: they were composited on black (each channel multiplied by its opacity) before anything else.');
  notes.push(
    grey.colour
      ? 'It is in colour: converted to grey with the pipeline’s weights (0.299 R + 0.587 G + 0.114 B, PIL’s integer version).'
      : 'It is grey already (R = G = B), so the grey conversion leaves it unchanged.',
  );
  if (width === SIZE && height === SIZE) notes.push(`It is ${SIZE} × ${SIZE} already: no resizing.`);
  else if (width >= SIZE && height >= SIZE)
    notes.push(`Resized from ${width} × ${height} to ${SIZE} × ${SIZE} without keeping the aspect ratio, with the pipeline’s Lanczos-3 filter (libvips’ resize, ported exactly: from the same decoded pixels it makes the pipeline’s ${SIZE} × ${SIZE}; a browser’s JPEG decoder may differ from the pipeline’s by a grey level here and there).`);
  else
    notes.push(`Enlarged from ${width} × ${height} to ${SIZE} × ${SIZE} without keeping the aspect ratio, with a Catmull-Rom filter: close to, but not bit-exact with, the pipeline’s (libvips) enlargement.`);
  return { pixels: resizeTo(grey.pixels, width, height, SIZE), source: { kind: 'upload', name }, notes };
}

export async function startTryIt(root: HTMLElement): Promise<void> {
  const started = performance.now();
  const status = root.querySelector<HTMLElement>('[data-tryit-status]')!;
  const app = root.querySelector<HTMLElement>('[data-tryit-app]')!;
  root.dataset.state = 'loading';
  status.textContent = 'Loading TensorFlow.js and the models…';
  inflateGzipFetches();

  const [backend, meta] = await Promise.all([
    // The wasm binaries lie in tryit/wasm/, beside meta.json.
    pickBackend(new URL('wasm/', new URL(root.dataset.meta!, location.href)).href),
    fetch(root.dataset.meta!).then((r) => {
      if (!r.ok) throw new Error(`${root.dataset.meta}: HTTP ${r.status}`);
      return r.json() as Promise<TryItMeta>;
    }),
  ]);
  SIZE = meta.imageSize;
  const lut = Uint8Array.from(meta.lut);
  const [samples, runners] = await Promise.all([
    fetch(meta.samplesUrl).then(async (r) => {
      if (!r.ok) throw new Error(`${meta.samplesUrl}: HTTP ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    }),
    Promise.all(meta.models.map(async (m) => runnerFor(m, await loadLayersModel(m.modelUrl)))),
  ]);
  if (samples.length !== meta.samples.length * SIZE * SIZE) throw new Error(`${meta.samplesUrl}: expected ${meta.samples.length * SIZE * SIZE} bytes, got ${samples.length}`);
  const sample = (i: number) => samples.slice(i * SIZE * SIZE, (i + 1) * SIZE * SIZE);

  // ---- the interface ----
  const message = el('p', { class: 'tryit-message', 'data-tryit-message': '', role: 'status', 'aria-live': 'polite' });
  const sampleButtons = meta.samples.map((s, i) => {
    const c = el('canvas', { width: String(SIZE), height: String(SIZE), 'aria-hidden': 'true' });
    drawGrey(c, sample(i));
    const b = el('button', { type: 'button', class: 'tryit-sample', 'data-sample': String(i), title: s.file }, c, el('span', {}, meta.classes[s.label] ?? `class ${s.label}`));
    b.addEventListener('click', () => void show({ pixels: sample(i), source: { kind: 'sample', index: i }, notes: [`Test image ${s.file}, from samples.u8 of the results bundle: the ${SIZE} × ${SIZE} pixels the pipeline fed the models, so no conversion.`] }));
    return b;
  });
  const fileInput = el('input', { type: 'file', accept: 'image/*', 'data-tryit-file': '', id: 'tryit-file' });
  const drop = el('div', { class: 'tryit-drop' }, el('label', { for: 'tryit-file' }, 'Your image: '), fileInput, el('span', {}, ' or drop a file here. Any image your browser decodes (PNG, JPEG, WebP, GIF’s first frame…); nothing is uploaded anywhere.'));
  const pad = el('canvas', { width: String(SIZE), height: String(SIZE), class: 'tryit-pad', 'data-tryit-pad': '', 'aria-label': `Drawing pad, ${SIZE} × ${SIZE} pixels: draw with the mouse, a pen or a finger` });
  const brush = el('select', { 'aria-label': 'Brush' }, ...[['3', 'thin'], ['6', 'medium'], ['10', 'thick']].map(([v, t]) => el('option', { value: v!, ...(v === '6' ? { selected: '' } : {}) }, `${t} white`)), el('option', { value: 'erase' }, 'black (erase)'));
  const clear = el('button', { type: 'button' }, 'Clear');
  const copy = el('button', { type: 'button' }, 'Start from the image shown');
  const padBox = el('div', { class: 'tryit-draw' }, pad, el('div', {}, el('p', {}, 'Or draw (white on black):'), brush, ' ', clear, ' ', copy));

  const seen = el('canvas', { width: String(SIZE), height: String(SIZE), class: 'tryit-seen', 'data-tryit-seen': '', role: 'img', 'aria-label': `The ${SIZE} × ${SIZE} grey image the models see` });
  const notes = el('ul', { class: 'tryit-notes', 'data-tryit-notes': '' });
  const caution = el('p', { class: 'tryit-caution', 'data-tryit-caution': '', hidden: '' }, `These models know only ${meta.classes.length} classes (${meta.classes.join(', ')}). Whatever you give them, they share 100% among those ${meta.classes.length}, so a high probability here does not mean the image belongs to any of them: their confidence is not a measure of that.`);
  const check = el('p', { class: 'tryit-check', 'data-tryit-check': '', hidden: '' });

  const table = el('table', { class: 'tryit-probs', 'data-tryit-probs': '' });
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Class'), ...meta.models.map((m) => el('th', { scope: 'col' }, m.name)));
  const body = el('tbody');
  const cells = meta.classes.map((c, k) => {
    const row = el('tr', { 'data-class': String(k) }, el('th', { scope: 'row' }, c));
    const tds = meta.models.map((m) => {
      const td = el('td', { 'data-model': m.id }, el('span', { class: 'tryit-bar' }), el('span', { class: 'tryit-p' }, '–'));
      row.append(td);
      return td;
    });
    body.append(row);
    return tds;
  });
  table.append(el('caption', {}, 'Probability of each class, per model, for the image above (the largest in each column is the model’s answer).'), el('thead', {}, head), body);

  const modelSelect = el('select', { id: 'tryit-model', 'data-tryit-model': '' }, ...meta.models.map((m) => el('option', { value: m.id }, m.name)));
  const layersBox = el('div', { class: 'tryit-layers', 'data-tryit-layers': '' });
  const flow = el('div', { class: 'tryit-flow', 'data-tryit-flow': '' });
  const clipped = el('p', { class: 'tryit-small', 'data-tryit-clipped': '' });

  app.replaceChildren(
    el('div', { class: 'tryit-inputs' }, el('p', { class: 'tryit-label' }, 'A test image:'), el('div', { class: 'tryit-samples' }, ...sampleButtons), drop, padBox),
    message,
    el('div', { class: 'tryit-result' }, el('figure', { class: 'tryit-seen-box' }, seen, el('figcaption', {}, `What the models see: ${SIZE} × ${SIZE} grey, scaled up here.`)), el('div', {}, notes, caution, check)),
    table,
    el('h3', {}, 'Inside one model'),
    el('p', {}, el('label', { for: 'tryit-model' }, 'Model: '), modelSelect, ` — each layer’s feature maps for this input, the same channels and colour scale as the static activation figure above (dark purple = that layer’s minimum over the ${meta.samples.length} test images, yellow = its maximum).`),
    clipped,
    layersBox,
    el('p', { class: 'tryit-label' }, 'The same input through the network, left to right (the first column of each stage’s maps, then the probabilities):'),
    flow,
  );

  // ---- running ----
  let current: Input | null = null;
  let outcomes: Outcome[] = [];
  let runs = 0;
  let pending: Promise<void> = Promise.resolve();

  function say(text: string, kind: 'note' | 'error' = 'note'): void {
    message.textContent = text;
    message.dataset.kind = kind;
    message.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  }

  function renderModel(): void {
    const i = meta.models.findIndex((m) => m.id === modelSelect.value);
    const m = meta.models[i]!;
    const out = outcomes[i];
    if (!out || !current) return;
    let outsideSum = 0;
    layersBox.replaceChildren(
      ...m.layers.map((layer, l) => {
        const c = el('canvas', { 'data-layer': String(l), role: 'img', 'aria-label': `${layer.channels.length} feature maps of layer ${layer.name}` });
        outsideSum += drawGrid(c, out.maps[l]!, layer, layer.channels, meta.gridRows, lut);
        return el('div', { class: 'tryit-layer' }, c, el('p', {}, el('code', {}, layer.name), ` ${layer.type}`), el('p', { class: 'tryit-small' }, `${layer.shape.join(' × ')}; ${layer.min.toPrecision(2)} to ${layer.max.toPrecision(2)}`));
      }),
    );
    const share = outsideSum / m.layers.length;
    clipped.textContent =
      share > 0.001
        ? `${(share * 100).toFixed(1)}% of the values drawn lie outside the static figure’s range for their layer and take its end colours.`
        : 'Every value drawn lies within the static figure’s range for its layer.';
    const input = el('canvas', { class: 'tryit-flow-input' });
    drawGrey(input, current.pixels);
    const probs = out.probs;
    const best = probs.indexOf(Math.max(...probs));
    flow.replaceChildren(
      el('div', { class: 'tryit-stage' }, el('p', {}, 'Input'), input),
      ...m.stages.map((s) => {
        const layer = m.layers[s]!;
        const c = el('canvas', { 'data-stage': String(s) });
        drawGrid(c, out.maps[s]!, layer, layer.channels.slice(0, meta.gridRows), meta.gridRows, lut);
        return el('div', { class: 'tryit-stage' }, el('p', {}, el('code', {}, layer.name)), c);
      }),
      el(
        'ol',
        { class: 'tryit-stage tryit-out' },
        ...meta.classes.map((c, k) => el('li', { class: k === best ? 'is-best' : '', style: `--p: ${probs[k]}` }, el('span', {}, c), el('span', { class: 'tryit-bar' }), el('span', {}, pct(probs[k]!)))),
      ),
    );
  }

  /** Runs every model on `input` and redraws; runs queue one after another, and a failed one says so and leaves the last good result shown. */
  async function show(input: Input): Promise<void> {
    pending = pending.then(async () => {
      root.dataset.state = 'running';
      let results: Outcome[];
      try {
        results = await Promise.all(runners.map((r) => run(r, input.pixels)));
      } catch (e) {
        root.dataset.state = 'ready';
        say(`The models failed on this input (${e instanceof Error ? e.message : String(e)}); the image shown before is kept.`, 'error');
        console.error('tryit: inference failed:', e);
        return;
      }
      current = input;
      outcomes = results;
      drawGrey(seen, input.pixels);
      notes.replaceChildren(...input.notes.map((n) => el('li', {}, n)));
      caution.hidden = input.source.kind === 'sample';
      meta.models.forEach((m, j) => {
        const probs = results[j]!.probs;
        const best = probs.indexOf(Math.max(...probs));
        meta.classes.forEach((_, k) => {
          const td = cells[k]![j]!;
          td.dataset.p = String(probs[k]);
          td.classList.toggle('is-best', k === best);
          td.style.setProperty('--p', String(probs[k]));
          td.querySelector('.tryit-p')!.textContent = pct(probs[k]!);
        });
      });
      for (const b of sampleButtons) b.setAttribute('aria-pressed', String(input.source.kind === 'sample' && b.dataset.sample === String(input.source.index)));
      if (input.source.kind === 'sample') {
        const i = input.source.index;
        const diff = Math.max(...meta.models.flatMap((m, j) => Array.from(results[j]!.probs, (p, k) => Math.abs(p - m.expected[i]![k]!))));
        check.hidden = false;
        check.dataset.maxDiff = String(diff);
        check.textContent = `True class: ${meta.classes[meta.samples[i]!.label]}. The largest difference between these probabilities and those the pipeline computed for this image with the same exported models is ${diff.toExponential(1)}${diff <= TOLERANCE ? ` (within the ${TOLERANCE} this page promises)` : ` — more than the ${TOLERANCE} this page promises`}.`;
      } else check.hidden = true;
      renderModel();
      root.dataset.source = input.source.kind;
      root.dataset.runs = String(++runs);
      root.dataset.state = 'ready';
    });
    return pending;
  }

  async function onFile(file: File | undefined): Promise<void> {
    if (!file) return;
    say(`Reading “${file.name}”…`);
    try {
      const input = await fromFile(file);
      await show(input);
      say(`Showing “${file.name}”.`);
    } catch (e) {
      root.dataset.state = 'ready';
      if (e instanceof BadImage) say(`${e.message} The image shown before is kept.`, 'error');
      else {
        say(`Could not use “${file.name}”: ${e instanceof Error ? e.message : String(e)}. The image shown before is kept.`, 'error');
        console.error('tryit: upload failed:', e);
      }
      root.dataset.errors = String(Number(root.dataset.errors ?? 0) + 1);
    } finally {
      fileInput.value = '';
    }
  }

  fileInput.addEventListener('change', () => void onFile(fileInput.files?.[0]));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('is-over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('is-over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('is-over');
    void onFile(e.dataTransfer?.files[0]);
  });
  modelSelect.addEventListener('change', renderModel);

  // ---- drawing ----
  const pen = pad.getContext('2d', { willReadFrequently: true })!;
  const blank = () => {
    pen.fillStyle = '#000';
    pen.fillRect(0, 0, SIZE, SIZE);
  };
  blank();
  let last: [number, number] | null = null;
  let scheduled = false;
  const padInput = (): Input => ({
    pixels: rgbaToGrey(pen.getImageData(0, 0, SIZE, SIZE).data, SIZE, SIZE).pixels,
    source: { kind: 'draw' },
    notes: [`Your drawing: ${SIZE} × ${SIZE} pixels already, grey, so no conversion.`],
  });
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      void show(padInput());
    });
  };
  const at = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * SIZE, ((e.clientY - r.top) / r.height) * SIZE];
  };
  pad.addEventListener('pointerdown', (e) => {
    pad.setPointerCapture(e.pointerId);
    last = at(e);
    stroke(last);
  });
  pad.addEventListener('pointermove', (e) => {
    if (last) stroke(at(e));
  });
  const end = () => {
    if (!last) return;
    last = null;
    say('Showing your drawing.');
    void show(padInput());
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  function stroke(to: [number, number]): void {
    const erase = brush.value === 'erase';
    pen.strokeStyle = erase ? '#000' : '#fff';
    pen.lineWidth = erase ? 10 : Number(brush.value);
    pen.lineCap = 'round';
    pen.beginPath();
    pen.moveTo(...(last ?? to));
    pen.lineTo(...to);
    pen.stroke();
    last = to;
    schedule();
  }
  clear.addEventListener('click', () => {
    blank();
    void show(padInput());
  });
  copy.addEventListener('click', () => {
    if (!current) return;
    const image = pen.createImageData(SIZE, SIZE);
    current.pixels.forEach((v, i) => image.data.set([v, v, v, 255], i * 4));
    pen.putImageData(image, 0, 0);
    void show(padInput());
  });

  await show({ pixels: sample(0), source: { kind: 'sample', index: 0 }, notes: [`Test image ${meta.samples[0]!.file}, from samples.u8 of the results bundle: the ${SIZE} × ${SIZE} pixels the pipeline fed the models, so no conversion.`] });

  // What this section cost to download, as this browser measured it (compressed bytes).
  const fetched = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) => e.startTime >= started - 50);
  const bytes = fetched.reduce((s, e) => s + (e.encodedBodySize || e.transferSize || 0), 0);
  const weights = meta.models.reduce((s, m) => s + m.downloadBytes, 0);
  status.textContent = `Running ${meta.models.length} models on ${backend.description}${backend.notes.length ? ` (${backend.notes.join('; ')})` : ''}. This section downloaded ${kB(bytes)} (TensorFlow.js, ${kB(weights)} of compressed model weights, the sample images).`;
  root.dataset.backend = backend.name;
  root.dataset.downloaded = String(bytes);
}
