/**
 * Browser side of the charts. Each chart arrives as a static SVG; when it first
 * scrolls into view, Vega (and its compiled spec) are fetched and the live chart
 * replaces the static one. Nothing of Vega loads before a chart is visible, so the
 * first view of the page stays small.
 */
type Embed = typeof import('vega-embed').default;

let embedModule: Promise<Embed> | undefined;

/** One shared dynamic import: the bundler splits vega + vega-embed into a lazy chunk. */
function loadEmbed(): Promise<Embed> {
  embedModule ??= import('vega-embed').then((m) => m.default);
  return embedModule;
}

async function goLive(chart: HTMLElement): Promise<void> {
  const specUrl = chart.dataset.vegaSpec;
  const staticView = chart.querySelector<HTMLElement>('.vega-static');
  if (!specUrl || !staticView) return;
  chart.setAttribute('aria-busy', 'true');
  const [embed, spec] = await Promise.all([
    loadEmbed(),
    fetch(specUrl).then((r) => {
      if (!r.ok) throw new Error(`chart spec ${specUrl}: HTTP ${r.status}`);
      return r.json();
    }),
  ]);
  const live = document.createElement('div');
  live.className = 'vega-live';
  chart.insertBefore(live, staticView);
  await embed(live, spec, {
    mode: 'vega',
    renderer: 'svg',
    actions: { export: true, source: false, compiled: false, editor: false },
    downloadFileName: chart.dataset.chartId ?? 'chart',
  });
  staticView.remove();
  chart.dataset.live = 'true';
  chart.removeAttribute('aria-busy');
}

function activate(chart: HTMLElement): void {
  goLive(chart).catch((e: unknown) => {
    // The static chart stays in place; say why the live one did not replace it.
    chart.removeAttribute('aria-busy');
    chart.dataset.live = 'failed';
    console.error(`chart ${chart.dataset.chartId}: interactive view failed:`, e);
  });
}

/** Watches every `.vega-chart[data-vega-spec]` and brings each to life once it is on screen. */
export function initLiveCharts(root: ParentNode = document): void {
  const charts = [...root.querySelectorAll<HTMLElement>('.vega-chart[data-vega-spec]')].filter((c) => !c.dataset.live);
  if (charts.length === 0) return;
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
