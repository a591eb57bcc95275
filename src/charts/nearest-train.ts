/**
 * Figure: how far each test image is from its nearest training image (16×16 pooled RMSE,
 * grey levels), under both protocols side by side, with the near-duplicate threshold
 * marked. Under the per-image split many test images have a training image a grey level
 * or two away; the grouped split leaves none within the threshold. Narrow layout: the
 * two protocols stacked.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Manifest } from '../../schema/results.ts';
import { protocolTitle } from '../lib/protocols.ts';
import { chartConfig, NARROW_WIDTH, SCHEMA_URL, type ChartInput, type ChartLayout } from './common.ts';

/** Distances beyond this many grey levels are pooled into the last bar, so the near range stays readable. */
export const SHOWN_MAX = 30;

export interface HistogramBar {
  protocol: string;
  from: number;
  to: number;
  images: number;
  /** Share of the protocol's test images. */
  share: number;
  /** The near-duplicate threshold, on every row so that the rule draws in every panel. */
  threshold: number;
}

/** The audit fields this figure reads (the bundles of older runs have none: then there are no bars). */
type AuditInput = ChartInput['manifest'] & Partial<Pick<Manifest, 'audit' | 'protocols'>>;

export function nearestTrainBars(input: ChartInput): HistogramBar[] {
  const { audit, protocols } = input.manifest as AuditInput;
  const bars: HistogramBar[] = [];
  if (!audit) return bars;
  const w = audit.histogramBinWidth;
  const lastShown = Math.round(SHOWN_MAX / w);
  for (const p of protocols ?? []) {
    const total = p.nearestTrainHistogram.reduce((a, b) => a + b, 0);
    const mine: HistogramBar[] = [];
    p.nearestTrainHistogram.forEach((count, bin) => {
      const b = Math.min(bin, lastShown);
      const bar = (mine[b] ??= { protocol: protocolTitle(input.manifest as AuditInput, p.protocol), from: b * w, to: (b + 1) * w, images: 0, share: 0, threshold: audit.threshold });
      bar.images += count;
      bar.share = total ? bar.images / total : 0;
    });
    bars.push(...mine.filter(Boolean));
  }
  return bars;
}

export function nearestTrainSpec(input: ChartInput, layout: ChartLayout = 'wide'): TopLevelSpec {
  const narrow = layout === 'narrow';
  const width = (input.manifest as AuditInput).audit?.histogramBinWidth ?? 0.5;
  return {
    $schema: SCHEMA_URL,
    description: 'Histograms of the distance from each test image to its nearest training image, per protocol, with the near-duplicate threshold.',
    config: chartConfig(layout),
    data: { values: nearestTrainBars(input) },
    facet: { [narrow ? 'row' : 'column']: { field: 'protocol', type: 'nominal', title: null, sort: ((input.manifest as AuditInput).protocols ?? []).map((p) => protocolTitle(input.manifest as AuditInput, p.protocol)) } },
    // Wide enough that the two panels' axis titles never touch.
    spacing: narrow ? 16 : 48,
    spec: {
      width: narrow ? NARROW_WIDTH : 280,
      height: narrow ? 130 : 180,
      layer: [
        {
          mark: { type: 'bar', color: '#4c78a8', binSpacing: 0 },
          encoding: {
            x: {
              field: 'from',
              type: 'quantitative',
              bin: { binned: true, step: width },
              // The title sets the panel's width when it is longer than the axis: short on a phone.
              title: narrow ? 'RMSE to nearest training image' : `Nearest training image, RMSE (${SHOWN_MAX}+ pooled)`,
              scale: { domain: [0, SHOWN_MAX + width] },
            },
            x2: { field: 'to' },
            y: { field: 'images', type: 'quantitative', title: 'Test images' },
            tooltip: [
              { field: 'protocol', title: 'Protocol' },
              { field: 'from', title: 'From', type: 'quantitative', format: '.2f' },
              { field: 'to', title: 'To', type: 'quantitative', format: '.2f' },
              { field: 'images', title: 'Test images', type: 'quantitative', format: ',d' },
              { field: 'share', title: 'Share', type: 'quantitative', format: '.1%' },
            ],
          },
        },
        {
          mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: { x: { field: 'threshold', type: 'quantitative', aggregate: 'min' } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}
