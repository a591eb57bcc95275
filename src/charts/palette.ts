/**
 * Colours fixed per quantity, shared by every figure. A model's colour is in the bundle
 * (ModelResult.colour: its file's choice, or the pipeline's next free colour), so a model
 * looks the same in every chart without the site knowing any model.
 */
import type { BaselineId } from '../../schema/results.ts';

/** Baselines (no learning, or one softmax layer) are drawn in greys, apart from the models' colours. */
export const BASELINE_COLOURS: Record<BaselineId, string> = {
  'majority-class': '#bbbbbb',
  'nearest-neighbour': '#555555',
  'k-nearest-neighbours': '#888888',
  'logistic-regression': '#222222',
};

/** Vega scheme names for the sequential scales (see the captions). */
/** Confusion matrix: only the errors take colour, white (none) through ColorBrewer Reds to the most. */
export const ERROR_RAMP = ['#ffffff', '#fcbba1', '#fb6a4a', '#cb181d', '#67000d'];
export const F1_SCHEME = 'greens';
/** Feature maps: a perceptual, monotone-lightness map, dark = layer minimum, light = layer maximum. */
export const ACTIVATION_SCHEME = 'viridis';

/** Font stack for chart text; matches a system sans-serif so static and live charts agree. */
export const CHART_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
