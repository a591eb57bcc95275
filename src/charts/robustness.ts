/**
 * Figure: balanced error against corruption severity (0 = the clean images), one panel per
 * corruption family (the mean over its corruptions), one line per method: the networks in
 * their colours, the baselines grey and dashed. Narrow layout: the panels stacked.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Manifest } from '../../schema/results.ts';
import { robustnessSummary } from '../lib/robustness.ts';
import { chartConfig, NARROW_WIDTH, SCHEMA_URL, type ChartInput, type ChartLayout } from './common.ts';

const FAMILY_TITLES: Record<string, string> = { noise: 'Noise', blur: 'Blur', digital: 'Pixelation and JPEG', intensity: 'Brightness, contrast, gamma' };
const BASELINE_GREY = '#8c8c8c';

export interface RobustnessPoint {
  method: string;
  kind: 'model' | 'baseline';
  family: string;
  severity: number;
  balancedError: number;
}

type RobustnessInput = ChartInput['manifest'] & Partial<Pick<Manifest, 'baselines' | 'corruptions' | 'dataset'>>;

export function robustnessPoints(input: ChartInput): RobustnessPoint[] {
  // The chart draws the measured values; the intervals are in the table.
  const s = robustnessSummary(input.manifest as RobustnessInput as Manifest, input.models, 0);
  return (s?.rows ?? []).flatMap((r) => r.byFamily.map((f) => ({ method: r.name, kind: r.kind, family: FAMILY_TITLES[f.family] ?? f.family, severity: f.severity, balancedError: f.balancedError })));
}

export function robustnessSpec(input: ChartInput, layout: ChartLayout = 'wide'): TopLevelSpec {
  const narrow = layout === 'narrow';
  const points = robustnessPoints(input);
  const methods = [...new Set(points.map((p) => p.method))];
  const colour = (name: string) => input.models.find((m) => m.name === name)?.colour ?? BASELINE_GREY;
  const families = [...new Set(points.map((p) => p.family))];
  return {
    $schema: SCHEMA_URL,
    description: 'Balanced error against corruption severity for every method, one panel per corruption family.',
    config: chartConfig(layout),
    data: { values: points },
    facet: { [narrow ? 'row' : 'column']: { field: 'family', type: 'nominal', title: null, sort: families } },
    spacing: narrow ? 14 : 16,
    spec: {
      width: narrow ? NARROW_WIDTH : 150,
      height: narrow ? 120 : 170,
      mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.6 },
      encoding: {
        x: { field: 'severity', type: 'quantitative', title: 'Severity (0 = clean)', scale: { domain: [0, 5] }, axis: { values: [0, 1, 2, 3, 4, 5], format: 'd' } },
        // From 0 (an error rate), to the largest measured (a bundle without robustness records draws empty axes).
        y: { field: 'balancedError', type: 'quantitative', title: 'Balanced error', axis: { format: '.0%' }, scale: { domain: [0, Math.max(0.01, ...points.map((p) => p.balancedError))], nice: true } },
        color: { field: 'method', type: 'nominal', title: 'Method', sort: methods, scale: { domain: methods, range: methods.map(colour) } },
        strokeDash: { field: 'kind', type: 'nominal', title: null, legend: null, scale: { domain: ['model', 'baseline'], range: [[1, 0], [4, 3]] } },
        tooltip: [
          { field: 'method', title: 'Method' },
          { field: 'family', title: 'Corruptions' },
          { field: 'severity', title: 'Severity', type: 'quantitative' },
          { field: 'balancedError', title: 'Balanced error', type: 'quantitative', format: '.1%' },
        ],
      },
    },
  };
}
