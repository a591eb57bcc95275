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
        const src = fill(mapTemplate, { model, sample, layer: img.dataset.layer ?? '' });
        if (img.getAttribute('src') !== src) img.src = src;
      }
    }
    for (const img of root.querySelectorAll<HTMLImageElement>('img[data-input]')) img.src = fill(inputTemplate, { sample });

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
