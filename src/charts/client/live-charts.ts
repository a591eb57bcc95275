/**
 * Browser side of the charts. Each chart arrives as a static SVG in two layouts; when
 * it first scrolls into view, Vega (and the compiled spec for the layout its width
 * calls for) are fetched and the live chart replaces the static one. If the chart's
 * width later crosses the layout threshold (a phone turned, a window resized) it is
 * embedded again in the other layout. Nothing of Vega loads before a chart is visible,
 * so the first view of the page stays small.
 *
 * A click on a mark is passed on as a `chart-click` event on the chart element, with
 * the mark's datum as `detail`, for figures that act on it (the confusion matrix).
 */
type Embed = typeof import('vega-embed').default;
type Result = Awaited<ReturnType<Embed>>;

/** Below this width (CSS px) a chart uses its narrow layout; VegaChart.astro's container query uses the same. */
export const NARROW_BELOW_PX = 560;

let embedModule: Promise<Embed> | undefined;

/** One shared dynamic import: the bundler splits vega + vega-embed into a lazy chunk. */
function loadEmbed(): Promise<Embed> {
  embedModule ??= import('vega-embed').then((m) => m.default);
  return embedModule;
}

const layoutFor = (chart: HTMLElement) => (chart.clientWidth > 0 && chart.clientWidth < NARROW_BELOW_PX ? 'narrow' : 'wide');
const live = new WeakMap<HTMLElement, { layout: string; result: Result; element: HTMLElement }>();

async function goLive(chart: HTMLElement): Promise<void> {
  const layout = layoutFor(chart);
  const specUrl = layout === 'narrow' ? chart.dataset.vegaSpecNarrow : chart.dataset.vegaSpec;
  if (!specUrl) return;
  chart.setAttribute('aria-busy', 'true');
  const [embed, spec] = await Promise.all([
    loadEmbed(),
    fetch(specUrl).then((r) => {
      if (!r.ok) throw new Error(`chart spec ${specUrl}: HTTP ${r.status}`);
      return r.json();
    }),
  ]);
  const element = document.createElement('div');
  element.className = 'vega-live';
  element.dataset.layout = layout;
  const before = live.get(chart);
  chart.insertBefore(element, before?.element ?? chart.querySelector('.vega-static'));
  const result = await embed(element, spec, {
    mode: 'vega',
    renderer: 'svg',
    actions: { export: true, source: false, compiled: false, editor: false },
    downloadFileName: chart.dataset.chartId ?? 'chart',
  });
  // vega-embed's menu button is an icon only: give it a name for screen readers.
  const summary = element.querySelector('.vega-actions')?.parentElement?.querySelector('summary');
  summary?.setAttribute('aria-label', 'Chart menu: save this chart as SVG or PNG');
  result.view.addEventListener('click', (_event, item) => {
    const datum = (item as { datum?: unknown } | null | undefined)?.datum;
    if (datum) chart.dispatchEvent(new CustomEvent('chart-click', { detail: datum, bubbles: true }));
  });
  if (before) {
    before.result.finalize();
    before.element.remove();
  }
  for (const s of chart.querySelectorAll('.vega-static')) s.remove();
  live.set(chart, { layout, result, element });
  chart.dataset.live = 'true';
  chart.dataset.layout = layout;
  chart.removeAttribute('aria-busy');
  chart.dispatchEvent(new CustomEvent('chart-live', { bubbles: true }));
}

function activate(chart: HTMLElement): void {
  goLive(chart).catch((e: unknown) => {
    // The static chart stays in place; say why the live one did not replace it.
    chart.removeAttribute('aria-busy');
    chart.dataset.live = 'failed';
    console.error(`chart ${chart.dataset.chartId}: interactive view failed:`, e);
  });
}

/** Re-embeds a live chart whose width now calls for the other layout. */
function watchWidth(chart: HTMLElement): void {
  if (!('ResizeObserver' in window)) return;
  let timer: number | undefined;
  new ResizeObserver(() => {
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      const current = live.get(chart);
      if (current && current.layout !== layoutFor(chart)) activate(chart);
    }, 150);
  }).observe(chart);
}

/** Watches every `.vega-chart[data-vega-spec]` and brings each to life once it is on screen. */
export function initLiveCharts(root: ParentNode = document): void {
  const charts = [...root.querySelectorAll<HTMLElement>('.vega-chart[data-vega-spec]')].filter((c) => !c.dataset.live);
  if (charts.length === 0) return;
  for (const chart of charts) watchWidth(chart);
  if (!('IntersectionObserver' in window)) {
    charts.forEach(activate);
    return;
  }
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      activate(entry.target as HTMLElement);
    }
  });
  for (const chart of charts) {
    chart.dataset.live = 'pending';
    observer.observe(chart);
  }
}
