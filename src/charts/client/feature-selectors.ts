/**
 * Model and test-image selectors of the activation-map and propagation figures.
 * The page ships the default selection as plain images and every other model's layers
 * as <template>s; this swaps image sources, puts the chosen model's layers in and
 * relabels predictions. Without JavaScript the
 * selectors stay hidden and the default selection is what the reader sees.
 *
 * The colour-scale choice "each map its own" re-colours the grids in the browser
 * instead of shipping a second set of PNGs: each pixel's colour is looked up in the
 * colour map to get its stored value (0–255 on the layer's scale), and every tile is
 * stretched from its own minimum to its maximum and coloured again.
 */
interface FeatureFigureData {
  classes: string[];
  labels: number[];
  softmax: Record<string, number[][]>;
  names: Record<string, string>;
  lut: string[];
  gap: number;
}

const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
/** A probability as a percentage that never rounds a near-certainty to 100.0% (or a trace to 0.0%). */
const pct = (p: number) => (p < 1 && p >= 0.9995 ? '>99.9%' : p > 0 && p < 0.0005 ? '<0.1%' : `${(p * 100).toFixed(1)}%`);

function argmax(row: readonly number[]): number {
  let best = 0;
  row.forEach((p, i) => {
    if (p > row[best]!) best = i;
  });
  return best;
}

/** How far outside the viewport an image may be and still be loading (Chrome starts lazy images ~1250–2500 px early). */
const NEAR_VIEWPORT_PX = 3000;

/**
 * Points an image at `src`. An image whose download is under way keeps it until it
 * finishes and then switches: changing `src` mid-flight aborts the request, which
 * wastes the bytes already sent and shows up as a failed request. An image that has
 * not started (lazy, far from view) or has finished switches at once.
 */
function setSource(img: HTMLImageElement, src: string): void {
  const current = img.getAttribute('src');
  if (current === src) {
    delete img.dataset.nextSrc;
    return;
  }
  const rect = img.getBoundingClientRect();
  const near = rect.bottom > -NEAR_VIEWPORT_PX && rect.top < window.innerHeight + NEAR_VIEWPORT_PX;
  if (!current || img.complete || !near) {
    img.src = src;
    return;
  }
  img.dataset.nextSrc = src;
  if (img.dataset.waiting) return;
  img.dataset.waiting = 'true';
  const next = () => {
    delete img.dataset.waiting;
    const queued = img.dataset.nextSrc;
    delete img.dataset.nextSrc;
    if (queued) setSource(img, queued);
  };
  img.addEventListener('load', next, { once: true });
  img.addEventListener('error', next, { once: true });
}

/** Colour → stored value (0–255) under the colour map, and back. */
function colourMap(lut: readonly string[]) {
  const toValue = new Map<number, number>();
  const rgb = lut.map((hex, v) => {
    const n = parseInt(hex, 16);
    toValue.set(n, v);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255] as const;
  });
  return { toValue, rgb };
}

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`${src}: could not load`));
    img.src = src;
  });
}

/** A grid PNG with every tile stretched to its own value range, as a data URL. */
async function perMapColours(src: string, tile: string, gap: number, map: ReturnType<typeof colourMap>): Promise<string> {
  const [tw, th] = tile.split('x').map(Number) as [number, number];
  const image = await loadImage(src);
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(image, 0, 0);
  const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const d = pixels.data;
  const columns = Math.round((canvas.width + gap) / (tw + gap));
  const rows = Math.round((canvas.height + gap) / (th + gap));
  for (let c = 0; c < columns; c++) {
    for (let r = 0; r < rows; r++) {
      const x0 = c * (tw + gap);
      const y0 = r * (th + gap);
      const values: number[] = [];
      let lo = 255;
      let hi = 0;
      for (let y = y0; y < y0 + th; y++) {
        for (let x = x0; x < x0 + tw; x++) {
          const i = (y * canvas.width + x) * 4;
          const v = map.toValue.get((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
          values.push(v ?? -1);
          if (v !== undefined) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
          }
        }
      }
      if (lo > hi) continue; // not a tile (the grid's empty slots are gap-white)
      let k = 0;
      for (let y = y0; y < y0 + th; y++) {
        for (let x = x0; x < x0 + tw; x++, k++) {
          const v = values[k]!;
          if (v < 0) continue;
          const stretched = hi > lo ? Math.round(((v - lo) / (hi - lo)) * 255) : 0;
          const [R, G, B] = map.rgb[stretched]!;
          const i = (y * canvas.width + x) * 4;
          d[i] = R;
          d[i + 1] = G;
          d[i + 2] = B;
        }
      }
    }
  }
  ctx.putImageData(pixels, 0, 0);
  return canvas.toDataURL('image/png');
}

function setup(root: HTMLElement): void {
  const json = root.querySelector('script[type="application/json"]')?.textContent;
  const modelSelect = root.querySelector<HTMLSelectElement>('select[name="model"]');
  const sampleSelect = root.querySelector<HTMLSelectElement>('select[name="sample"]');
  const mapTemplate = root.dataset.mapSrc;
  const inputTemplate = root.dataset.inputSrc;
  if (!json || !modelSelect || !sampleSelect || !mapTemplate || !inputTemplate) return;
  const data = JSON.parse(json) as FeatureFigureData;
  const colours = colourMap(data.lut);
  const scaleInputs = [...root.querySelectorAll<HTMLInputElement>('.feature-controls input[type="radio"]')];
  const scale = () => scaleInputs.find((i) => i.checked)?.value ?? 'layer';

  /** Shows grid `src` on `img` on the chosen colour scale. */
  const showGrid = (img: HTMLImageElement, src: string) => {
    img.dataset.grid = src;
    if (scale() !== 'map') {
      setSource(img, src);
      return;
    }
    const tile = img.dataset.tile;
    if (!tile) return;
    perMapColours(src, tile, data.gap, colours)
      .then((url) => {
        // Only if nothing else was asked of this image meanwhile.
        if (img.dataset.grid === src && scale() === 'map') img.src = url;
      })
      .catch((e: unknown) => console.error(e));
  };

  /**
   * Puts a model's section into the document the first time it is chosen: the page ships
   * only the default model's maps, the others as inert <template>s. The clone's images
   * point at the chosen image's grids before they are inserted, so nothing else loads.
   */
  const instantiate = (model: string, sample: string) => {
    const template = [...root.querySelectorAll<HTMLTemplateElement>('template[data-model-template]')].find((t) => t.dataset.modelTemplate === model);
    if (!template) return;
    const content = template.content.cloneNode(true) as DocumentFragment;
    for (const img of content.querySelectorAll<HTMLImageElement>('img[data-layer]')) {
      if (scale() !== 'map') img.setAttribute('src', fill(mapTemplate, { model, sample, layer: img.dataset.layer ?? '' }));
      else img.removeAttribute('src');
    }
    template.replaceWith(content);
  };

  const update = () => {
    const model = modelSelect.value;
    const sample = sampleSelect.value;
    instantiate(model, sample);
    for (const section of root.querySelectorAll<HTMLElement>('[data-model-section]')) {
      const shown = section.dataset.modelSection === model;
      section.hidden = !shown;
      if (!shown) continue;
      for (const img of section.querySelectorAll<HTMLImageElement>('img[data-layer]')) {
        showGrid(img, fill(mapTemplate, { model, sample, layer: img.dataset.layer ?? '' }));
      }
    }
    for (const img of root.querySelectorAll<HTMLImageElement>('img[data-input]')) setSource(img, fill(inputTemplate, { sample }));

    const row = data.softmax[model]?.[Number(sample)] ?? [];
    const truth = data.labels[Number(sample)] ?? -1;
    const predicted = argmax(row);
    for (const el of root.querySelectorAll<HTMLElement>('[data-prediction]')) {
      el.textContent = `True class ${data.classes[truth] ?? '?'}; ${data.names[model] ?? model} predicts ${data.classes[predicted] ?? '?'} (${pct(row[predicted] ?? 0)}).`;
    }
    for (const bar of root.querySelectorAll<HTMLElement>('[data-class-index]')) {
      const k = Number(bar.dataset.classIndex);
      const p = row[k] ?? 0;
      bar.style.setProperty('--p', String(p));
      bar.classList.toggle('is-true', k === truth);
      bar.classList.toggle('is-predicted', k === predicted);
      const value = bar.querySelector('[data-p]');
      if (value) value.textContent = pct(p);
    }
    root.dataset.model = model;
    root.dataset.sample = sample;
    root.dataset.scale = scale();
    for (const el of root.querySelectorAll<HTMLElement>('[data-scale-text]')) el.hidden = el.dataset.scaleText !== scale();
  };

  modelSelect.addEventListener('change', update);
  sampleSelect.addEventListener('change', update);
  for (const input of scaleInputs) input.addEventListener('change', update);
  // A browser may restore form values on back/forward: draw what the selects say.
  update();
  for (const controls of root.querySelectorAll<HTMLElement>('.feature-controls')) controls.hidden = false;
}

export function initFeatureFigures(root: ParentNode = document): void {
  for (const figure of root.querySelectorAll<HTMLElement>('[data-feature-figure]')) {
    if (figure.dataset.ready) continue;
    figure.dataset.ready = 'true';
    setup(figure);
  }
}
