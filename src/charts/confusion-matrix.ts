/**
 * Figure: one model's confusion matrix at a time, drawn to show the errors. The
 * diagonal (correct predictions) is a neutral grey with its count; only off-diagonal
 * cells take colour, on a symmetric-log scale from white (none) to dark red (the most
 * errors in any cell of any model), so a cell with one error stands out from zeros.
 * A select picks the model, radio buttons counts or row-normalised shares. Error cells
 * carry their class indices: a click on one lists the misclassified images (see
 * ConfusionMatrix.astro).
 */
import type { TopLevelSpec } from 'vega-lite';
import { chartConfig, NARROW_WIDTH, ordered, SCHEMA_URL, type ChartInput, type ChartLayout } from './common.ts';
import { ERROR_RAMP } from './palette.ts';

export interface ConfusionCell {
  model: string;
  modelId: string;
  actual: string;
  predicted: string;
  /** Class indices (rows = true, columns = predicted). */
  i: number;
  j: number;
  count: number;
  /** count / row total: the share of the true class predicted as `predicted`. */
  share: number;
  /** Off the diagonal: a mistake. */
  error: boolean;
}

export function confusionCells(input: ChartInput): ConfusionCell[] {
  const classes = input.manifest.dataset.classes;
  const cells: ConfusionCell[] = [];
  for (const m of ordered(input.models)) {
    const matrix = m.evaluation.confusion;
    if (matrix.length !== classes.length) throw new Error(`confusion matrix of ${m.id}: expected ${classes.length} rows (dataset.classes), found ${matrix.length}`);
    matrix.forEach((row, i) => {
      const total = row.reduce((s, v) => s + v, 0);
      row.forEach((count, j) => {
        cells.push({ model: m.name, modelId: m.id, actual: classes[i]!, predicted: classes[j]!, i, j, count, share: total === 0 ? 0 : count / total, error: i !== j });
      });
    });
  }
  return cells;
}

/** The top of the error colour scale: the largest off-diagonal count and share over every model (at least 1 image, 1%). */
export function errorDomain(cells: readonly ConfusionCell[]): { count: number; share: number } {
  const errors = cells.filter((c) => c.error);
  return {
    count: Math.max(1, ...errors.map((c) => c.count)),
    share: Math.max(0.01, ...errors.map((c) => c.share)),
  };
}

/** Diagonal cells: neutral, so the eye goes to the coloured errors. */
export const CORRECT_FILL = '#e9e9e9';

export function confusionMatrixSpec(input: ChartInput, layout: ChartLayout = 'wide'): TopLevelSpec {
  const models = ordered(input.models);
  const classes = input.manifest.dataset.classes;
  const names = models.map((m) => m.name);
  const cells = confusionCells(input);
  const top = errorDomain(cells);
  const narrow = layout === 'narrow';
  const size = narrow ? NARROW_WIDTH - 30 : 330;
  const tooltip = [
    { field: 'model', title: 'Model' },
    { field: 'actual', title: 'True class' },
    { field: 'predicted', title: 'Predicted' },
    { field: 'count', title: 'Images', type: 'quantitative' as const, format: ',d' },
    { field: 'share', title: 'Share of row', type: 'quantitative' as const, format: '.2%' },
  ];
  return {
    $schema: SCHEMA_URL,
    description: 'Confusion matrix of the test split for one model at a time; errors (off-diagonal cells) coloured on a log scale, correct predictions grey.',
    config: chartConfig(layout),
    params: [
      { name: 'cmModel', value: names[0], bind: { input: 'select', options: names, name: 'Model ' } },
      {
        name: 'cmScale',
        value: 'counts',
        bind: { input: 'radio', options: ['counts', 'shares'], labels: ['counts', 'row-normalised'], name: 'Cells ' },
      },
    ],
    data: { values: cells },
    transform: [
      { filter: 'datum.model === cmModel' },
      { calculate: "cmScale === 'counts' ? datum.count : datum.share", as: 'value' },
      // Zero errors print nothing, so the cells with errors are the only numbers off the diagonal.
      {
        calculate: "datum.error && datum.count === 0 ? '' : cmScale === 'counts' ? format(datum.count, ',d') : format(datum.share, '.1%')",
        as: 'label',
      },
    ],
    width: size,
    height: size,
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: classes, title: 'Predicted class', axis: { labelAngle: -35, orient: 'top' } },
      y: { field: 'actual', type: 'nominal', sort: classes, title: 'True class' },
    },
    layer: [
      {
        transform: [{ filter: '!datum.error' }],
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1, color: CORRECT_FILL },
        encoding: { tooltip },
      },
      {
        transform: [{ filter: 'datum.error' }],
        // An error cell is clickable: it opens the misclassified images.
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1, cursor: 'pointer' },
        encoding: {
          color: {
            // A cell with no error stays white (the scale's own low end is already tinted).
            condition: { test: 'datum.count === 0', value: 'white' },
            field: 'value',
            type: 'quantitative',
            title: 'Errors',
            scale: {
              type: 'symlog',
              // From white (no error) so that an empty cell is blank and one error already shows.
              range: ERROR_RAMP,
              domainMin: 0,
              domainMax: { expr: `cmScale === 'counts' ? ${top.count} : ${top.share}` },
            },
            legend: {
              gradientLength: narrow ? 180 : 200,
              ...(narrow ? { direction: 'horizontal' as const } : {}),
              labelExpr: "cmScale === 'counts' ? format(datum.value, ',d') : format(datum.value, '.0%')",
            },
          },
          tooltip,
        },
      },
      {
        transform: [{ filter: '!datum.error' }],
        mark: { type: 'text', fontSize: narrow ? 12 : 11, color: '#333' },
        encoding: { text: { field: 'label' } },
      },
      {
        transform: [{ filter: 'datum.error' }],
        mark: { type: 'text', fontSize: narrow ? 12 : 11, fontWeight: 'bold' },
        encoding: {
          text: { field: 'label' },
          color: { condition: { test: `datum.value > 0.3 * (cmScale === 'counts' ? ${top.count} : ${top.share})`, value: 'white' }, value: '#222' },
        },
      },
    ],
  };
}
