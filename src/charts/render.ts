/**
 * Build-time rendering: a Vega-Lite spec is compiled to Vega once, and that Vega
 * spec both renders the static SVG here (vega runs headless in Node, no canvas
 * needed) and is what the browser receives, so the live chart starts from exactly
 * what the static one shows and the browser never needs the Vega-Lite compiler.
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View, Warn, type Spec as VegaSpec, type LoggerInterface } from 'vega';

export type { VegaSpec };

export interface RenderedChart {
  /** The compiled Vega spec, shipped to the browser for the interactive view. */
  vega: VegaSpec;
  /** Standalone SVG markup of the chart in its initial state. */
  svg: string;
  width: number;
  height: number;
  /** Warnings from the Vega-Lite compiler and the Vega runtime; a correct spec has none. */
  warnings: string[];
}

/** A vega/vega-lite logger that collects warnings and errors instead of printing them. */
function collectingLogger(warnings: string[]): LoggerInterface {
  let level = Warn;
  const push = (kind: string) => (...args: readonly unknown[]) => {
    warnings.push(`${kind}: ${args.map(String).join(' ')}`);
    return logger;
  };
  const logger: LoggerInterface = {
    level(...args: [number?]) {
      if (args.length === 0 || args[0] === undefined) return level as never;
      level = args[0];
      return logger as never;
    },
    error: push('error'),
    warn: push('warn'),
    info: () => logger,
    debug: () => logger,
  } as LoggerInterface;
  return logger;
}

export function compileSpec(spec: TopLevelSpec, warnings: string[] = []): VegaSpec {
  return compile(spec, { logger: collectingLogger(warnings) }).spec;
}

/**
 * Several inline SVGs share one HTML document, and vega numbers its clip paths and
 * gradients with process-wide counters, so `url(#clip1)` could resolve to another
 * chart's clip and the numbers depend on render order. Rename every id to
 * `<prefix>-<n>` in order of appearance, and every reference to it.
 */
export function namespaceSvgIds(svg: string, prefix: string): string {
  if (!/^[A-Za-z][\w-]*$/.test(prefix)) throw new Error(`namespaceSvgIds: expected a prefix of letters, digits, - or _, got "${prefix}"`);
  const names = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!names.has(m[1]!)) names.set(m[1]!, `${prefix}-${names.size + 1}`);
  if (names.size === 0) return svg;
  const rename = (id: string) => names.get(id) ?? id;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, head: string, id: string) => `${head}${rename(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${rename(id)})`)
    .replace(/(href=")#([^"]+)"/g, (_, head: string, id: string) => `${head}#${rename(id)}"`);
}

/** Runs the Vega spec headless and returns its SVG (initial parameter values, no bindings). */
export async function renderVegaSvg(vega: VegaSpec, warnings: string[] = []): Promise<{ svg: string; width: number; height: number }> {
  const view = new View(parse(vega), { renderer: 'none', logger: collectingLogger(warnings) });
  try {
    await view.runAsync();
    const svg = await view.toSVG();
    const size = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
    if (!size) throw new Error('renderVegaSvg: vega produced an SVG without width and height');
    return { svg, width: Number(size[1]), height: Number(size[2]) };
  } finally {
    view.finalize();
  }
}

/** Compile, then render: the static SVG (ids prefixed with `idPrefix`) and the Vega spec for the browser. */
export async function renderChart(spec: TopLevelSpec, idPrefix: string): Promise<RenderedChart> {
  const warnings: string[] = [];
  const vega = compileSpec(spec, warnings);
  const { svg, width, height } = await renderVegaSvg(vega, warnings);
  return { vega, svg: namespaceSvgIds(svg, idPrefix), width, height, warnings };
}
