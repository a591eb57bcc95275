/**
 * The paper's charts, one module per figure, listed by id. Builders are pure and
 * deterministic: the same bundle gives the same JSON (no random ids, no dates), so the
 * static SVGs and the live charts agree. Each builds a wide and a narrow layout.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ChartInput, ChartLayout } from './common.ts';
import { trainingCurvesSpec } from './training-curves.ts';
import { confusionMatrixSpec } from './confusion-matrix.ts';
import { accuracyVsCostSpec } from './accuracy-vs-cost.ts';
import { perClassF1Spec } from './per-class-f1.ts';
import { nearestTrainSpec } from './nearest-train.ts';
import { robustnessSpec } from './robustness.ts';
import { ckaReferenceSpec, probesByDepthSpec } from './representations.ts';

export type { ChartInput, ChartLayout } from './common.ts';
export { LAYOUTS } from './common.ts';

export const CHARTS = {
  'training-curves': trainingCurvesSpec,
  'confusion-matrix': confusionMatrixSpec,
  'accuracy-vs-cost': accuracyVsCostSpec,
  'per-class-f1': perClassF1Spec,
  'nearest-train': nearestTrainSpec,
  robustness: robustnessSpec,
  'cka-reference': ckaReferenceSpec,
  'probes-by-depth': probesByDepthSpec,
} as const satisfies Record<string, (input: ChartInput, layout?: ChartLayout) => TopLevelSpec>;

export type ChartId = keyof typeof CHARTS;
export const CHART_IDS = Object.keys(CHARTS) as ChartId[];

export function chartSpec(id: ChartId, input: ChartInput, layout: ChartLayout = 'wide'): TopLevelSpec {
  const build = CHARTS[id];
  if (!build) throw new Error(`chart "${String(id)}": expected one of ${CHART_IDS.join(', ')}`);
  return build(input, layout);
}
