import { describe, expect, it } from 'vitest';
import { CHART_IDS, chartSpec } from '../../src/charts/specs.ts';
import { CORRECT_FILL } from '../../src/charts/confusion-matrix.ts';
import { costRows } from '../../src/charts/accuracy-vs-cost.ts';
import { namespaceSvgIds, renderChart } from '../../src/charts/render.ts';
import { chartInput, modelResult } from '../helpers/study-bundle.ts';

const models = [
  modelResult('resnet50', { params: 23_000_000, macs: 400_000_000, correct: 10 }),
  modelResult('basic-cnn', { params: 1_000_000, macs: 40_000_000, correct: 9 }),
  modelResult('gap-cnn', { params: 20_000, macs: 2_000_000, correct: 8 }),
];
const input = chartInput(models);

/** Marks of one kind in vega's SVG output, with their attributes. */
function marks(svg: string, roledescription: string, tag = 'path'): string[] {
  return [...svg.matchAll(new RegExp(`<${tag}[^>]*aria-roledescription="${roledescription}"[^>]*>`, 'g'))].map((m) => m[0]);
}

describe('static SVG rendering', () => {
  it('draws one line per model and split in each panel of the training curves, in the model colours', async () => {
    const { svg, warnings, width, height } = await renderChart(chartSpec('training-curves', input), 'chart-t');
    expect(warnings).toEqual([]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(width).toBeGreaterThan(400);
    expect(height).toBeGreaterThan(200);
    const lines = marks(svg, 'line mark');
    expect(lines).toHaveLength(models.length * 2 * 2); // models × {training, validation} × {accuracy, loss}
    for (const m of models) {
      expect(lines.filter((l) => l.includes(`stroke="${m.colour}"`))).toHaveLength(4);
    }
  });

  it('draws one point and one interval per model and cost kind, and the Pareto front line', async () => {
    const { svg } = await renderChart(chartSpec('accuracy-vs-cost', input), 'chart-c');
    expect(marks(svg, 'point')).toHaveLength(models.length * 2);
    const intervals = marks(svg, 'rule mark', 'line');
    expect(intervals).toHaveLength(models.length * 2);
    for (const m of models) expect(intervals.filter((l) => l.includes(`stroke="${m.colour}"`))).toHaveLength(2);
    // The front here is every model (more cost always buys accuracy): one line in each panel.
    expect(marks(svg, 'line mark')).toHaveLength(2);
  });

  it('draws a 6 × 6 heatmap for the selected model and 5 × 6 F1 cells', async () => {
    const confusion = await renderChart(chartSpec('confusion-matrix', input), 'chart-m');
    expect(marks(confusion.svg, 'rect mark')).toHaveLength(36);
    // The static chart shows the first model (ResNet50: 10 of 10 right per class), counts.
    expect(confusion.svg.match(/>10<\/text>/g)?.length).toBeGreaterThanOrEqual(6);
    const f1 = await renderChart(chartSpec('per-class-f1', input), 'chart-f');
    expect(marks(f1.svg, 'rect mark')).toHaveLength(models.length * 6);
  });

  it('renders the same SVG twice (deterministic) and keeps ids unique per chart', async () => {
    const a = await renderChart(chartSpec('confusion-matrix', input), 'chart-a');
    const b = await renderChart(chartSpec('confusion-matrix', input), 'chart-a');
    expect(a.svg === b.svg).toBe(true);
    const c = await renderChart(chartSpec('confusion-matrix', input), 'chart-b');
    const ids = (svg: string) => [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids(a.svg).length).toBeGreaterThan(0); // the colour legend's gradient
    expect(ids(a.svg).every((id) => /^chart-a-\d+$/.test(id!))).toBe(true);
    expect(ids(a.svg).filter((id) => ids(c.svg).includes(id))).toEqual([]);
  });
});

describe('namespaceSvgIds', () => {
  it('prefixes ids and every url(#…) and href="#…" that points at them', () => {
    const svg = '<svg><defs><clipPath id="clip1"/><linearGradient id="g"/></defs><g clip-path="url(#clip1)" fill="url(#g)"/><use href="#g"/><a href="#elsewhere"/></svg>';
    expect(namespaceSvgIds(svg, 'x')).toBe(
      '<svg><defs><clipPath id="x-1"/><linearGradient id="x-2"/></defs><g clip-path="url(#x-1)" fill="url(#x-2)"/><use href="#x-2"/><a href="#elsewhere"/></svg>',
    );
  });

  it('rejects a prefix that is not a valid id start', () => {
    expect(() => namespaceSvgIds('<svg id="a"/>', '1 bad')).toThrow(/prefix/);
  });
});

describe('figures drawn so they cannot be misread', () => {
  it('colours only the errors of the confusion matrix: grey diagonal, white empty cells, any error tinted', async () => {
    const one = modelResult('tiny-cnn', { correct: 9 }); // one error per class, into the next class
    const { svg } = await renderChart(chartSpec('confusion-matrix', chartInput([one])), 'chart-e');
    const rects = marks(svg, 'rect mark');
    expect(rects).toHaveLength(36);
    const fills = rects.map((r) => /fill="([^"]+)"/.exec(r)?.[1]);
    expect(fills.filter((f) => f === CORRECT_FILL)).toHaveLength(6);
    expect(fills.filter((f) => f === 'white')).toHaveLength(36 - 6 - 6);
    const tinted = fills.filter((f) => f !== CORRECT_FILL && f !== 'white');
    expect(tinted).toHaveLength(6);
  });

  it('joins Pareto-front models only: a model that ties a cheaper one’s accuracy is off the line', async () => {
    const tie = [
      modelResult('reduced-filter-cnn', { params: 50_000, macs: 1_000_000, correct: 9 }),
      modelResult('tiny-cnn', { params: 800_000, macs: 9_000_000, correct: 9 }), // same accuracy, more cost: dominated
      modelResult('resnet50', { params: 23_000_000, macs: 400_000_000, correct: 10 }),
    ];
    const rows = costRows(chartInput(tie)).filter((r) => r.kind === 'Parameters');
    expect(rows.filter((r) => r.front === 'Pareto-optimal').map((r) => r.model)).toEqual(['Reduced-Filter CNN', 'ResNet50']);
    const { svg } = await renderChart(chartSpec('accuracy-vs-cost', chartInput(tie)), 'chart-p');
    const [line] = marks(svg, 'line mark');
    // One straight segment per panel between the two front models: "M x,y L x,y", no step through the tie.
    const path = /\sd="([^"]+)"/.exec(line!)![1]!;
    expect(path.match(/[ML]/g)).toEqual(['M', 'L']);
  });

  it.each(CHART_IDS)('%s has a narrow layout for phones, one panel per row, that compiles cleanly and is narrower', async (id) => {
    const input = chartInput([modelResult('resnet50', { params: 23_000_000, macs: 400_000_000, correct: 10 }), modelResult('gap-cnn', { params: 20_000, macs: 2_000_000, correct: 8 })]);
    const wide = await renderChart(chartSpec(id, input, 'wide'), 'w');
    const narrow = await renderChart(chartSpec(id, input, 'narrow'), 'n');
    expect(narrow.warnings).toEqual([]);
    expect(narrow.width).toBeLessThan(wide.width);
    expect(narrow.width).toBeLessThanOrEqual(400);
  });
});
