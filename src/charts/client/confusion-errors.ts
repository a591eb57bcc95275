/**
 * The confusion matrix's click-through. A click on an error cell of the live chart
 * (a `chart-click` event from live-charts.ts) or a choice in the cell select lists
 * that cell's misclassified test images, each with the model's probability for the
 * true and the predicted class. The select follows the chart's model selector.
 */
interface ErrorImage {
  src: string;
  file: string;
  p: number[];
}
interface ErrorCell {
  i: number;
  j: number;
  count: number;
  images: ErrorImage[];
}
interface GalleryData {
  classes: string[];
  recorded: boolean;
  models: Record<string, { name: string; perCell: number; cells: ErrorCell[] }>;
}
interface CellDatum {
  modelId?: string;
  i?: number;
  j?: number;
  error?: boolean;
  count?: number;
}

const pct = (p: number) => (p >= 0.9995 && p < 1 ? '>99.9%' : p > 0 && p < 0.0005 ? '<0.1%' : `${(p * 100).toFixed(1)}%`);

function setup(figure: HTMLElement, panel: HTMLElement): void {
  const json = panel.querySelector('script[type="application/json"]')?.textContent;
  const select = panel.querySelector<HTMLSelectElement>('select[data-cell]');
  const status = panel.querySelector<HTMLElement>('[data-status]');
  const gallery = panel.querySelector<HTMLElement>('[data-gallery]');
  if (!json || !select || !status || !gallery) return;
  const data = JSON.parse(json) as GalleryData;
  const base = panel.dataset.base ?? '/';
  const modelIds = Object.keys(data.models);
  let model = modelIds[0]!;

  const fillSelect = () => {
    const m = data.models[model];
    select.replaceChildren();
    const none = new Option(m && m.cells.length > 0 ? `${m.name}: choose an error cell` : `${m?.name ?? model}: no errors`, '');
    select.add(none);
    for (const c of m?.cells ?? []) select.add(new Option(`${data.classes[c.i]} taken for ${data.classes[c.j]} (${c.count})`, `${c.i}-${c.j}`));
    select.disabled = !m || m.cells.length === 0;
  };

  const show = (i: number, j: number) => {
    const m = data.models[model];
    const cell = m?.cells.find((c) => c.i === i && c.j === j);
    select.value = cell ? `${i}-${j}` : '';
    gallery.replaceChildren();
    if (!m || !cell) {
      status.textContent = '';
      return;
    }
    const actual = data.classes[i]!;
    const predicted = data.classes[j]!;
    const shown = cell.images.length;
    status.textContent =
      `${m.name}: ${cell.count} ${actual} ${cell.count === 1 ? 'image' : 'images'} taken for ${predicted}` +
      (shown < cell.count ? `; the first ${shown} (in test-split order) shown.` : '.');
    for (const img of cell.images) {
      const li = document.createElement('li');
      const el = document.createElement('img');
      el.src = base + img.src;
      el.width = 128;
      el.height = 128;
      el.alt = `Test image ${img.file}, a ${actual} image that ${m.name} classified as ${predicted}`;
      const probs = document.createElement('p');
      probs.textContent = `${predicted} ${pct(img.p[j] ?? 0)} · ${actual} ${pct(img.p[i] ?? 0)}`;
      const file = document.createElement('p');
      file.className = 'file';
      // A line may break after each folder separator, so a path wraps there rather than inside the file name ("…jpe g").
      const parts = img.file.split('/');
      parts.forEach((part, i) => (i < parts.length - 1 ? file.append(`${part}/`, document.createElement('wbr')) : file.append(part)));
      li.append(el, probs, file);
      gallery.append(li);
    }
  };

  select.addEventListener('change', () => {
    const [i, j] = select.value.split('-').map(Number);
    if (i === undefined || j === undefined || Number.isNaN(i)) show(-1, -1);
    else show(i, j);
  });

  figure.addEventListener('chart-click', (event) => {
    const d = (event as CustomEvent<CellDatum>).detail;
    if (!d || !d.error || !d.count || d.modelId === undefined || d.i === undefined || d.j === undefined) return;
    if (d.modelId !== model) {
      model = d.modelId;
      fillSelect();
    }
    show(d.i, d.j);
  });

  // Follow the chart's own model selector once the live chart is there.
  figure.addEventListener('chart-live', () => {
    const chartSelect = figure.querySelector<HTMLSelectElement>('.vega-live .vega-bindings select');
    chartSelect?.addEventListener('change', () => {
      const id = modelIds.find((k) => data.models[k]!.name === chartSelect.value);
      if (id && id !== model) {
        model = id;
        fillSelect();
        show(-1, -1);
      }
    });
    const id = modelIds.find((k) => data.models[k]!.name === chartSelect?.value);
    if (id && id !== model) {
      model = id;
      fillSelect();
      show(-1, -1);
    }
  });

  fillSelect();
  panel.hidden = false;
}

export function initErrorGalleries(root: ParentNode = document): void {
  for (const panel of root.querySelectorAll<HTMLElement>('[data-cm-errors]')) {
    if (panel.dataset.ready) continue;
    panel.dataset.ready = 'true';
    const figure = panel.closest<HTMLElement>('figure');
    if (figure) setup(figure, panel);
  }
}
