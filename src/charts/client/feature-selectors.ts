/**
 * Model and test-image selectors of the activation-map and propagation figures.
 * The page ships the default selection as plain images; this swaps image sources,
 * shows the chosen model's layers and relabels predictions. Without JavaScript the
 * selectors stay hidden and the default selection is what the reader sees.
 */
interface FeatureFigureData {
  classes: string[];
  labels: number[];
  softmax: Record<string, number[][]>;
  names: Record<string, string>;
}

const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

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

function setup(root: HTMLElement): void {
  const json = root.querySelector('script[type="application/json"]')?.textContent;
  const modelSelect = root.querySelector<HTMLSelectElement>('select[name="model"]');
  const sampleSelect = root.querySelector<HTMLSelectElement>('select[name="sample"]');
  const mapTemplate = root.dataset.mapSrc;
  const inputTemplate = root.dataset.inputSrc;
  if (!json || !modelSelect || !sampleSelect || !mapTemplate || !inputTemplate) return;
  const data = JSON.parse(json) as FeatureFigureData;

  const update = () => {
    const model = modelSelect.value;
    const sample = sampleSelect.value;
    for (const section of root.querySelectorAll<HTMLElement>('[data-model-section]')) {
      const shown = section.dataset.modelSection === model;
      section.hidden = !shown;
      if (!shown) continue;
      for (const img of section.querySelectorAll<HTMLImageElement>('img[data-layer]')) {
        setSource(img, fill(mapTemplate, { model, sample, layer: img.dataset.layer ?? '' }));
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
  };

  modelSelect.addEventListener('change', update);
  sampleSelect.addEventListener('change', update);
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
