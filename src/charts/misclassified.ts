/**
 * The confusion matrix's click-through: which misclassified test images each error
 * cell lists, where their PNGs live, and the PNGs themselves (served by
 * src/pages/figures/errors/). Reads ModelResult.misclassified through src/lib/results.ts.
 */
import type { ModelId } from '../../schema/results.ts';
import { getBundle, getMisclassifiedPixels, getModel, imageSize } from '../lib/results.ts';
import { grayscalePng } from './feature-maps.ts';

/** Shown at twice the pixel size, like the feature figures' input image. */
export const ERROR_IMAGE_SCALE = 2;

export interface ErrorImage {
  /** Site path of the PNG (under the base path once passed through url()). */
  src: string;
  /** `<Class>/<file>` in the dataset. */
  file: string;
  /** Softmax, rounded to 4 decimals (enough for the percentages shown). */
  p: number[];
}

export interface ErrorCell {
  i: number;
  j: number;
  /** Errors in the cell (the confusion matrix's count). */
  count: number;
  images: ErrorImage[];
}

/** What the figure's script needs, per model id: every non-empty error cell. */
export interface ErrorGalleryData {
  classes: string[];
  /** Whether the bundle records misclassified images at all (older bundles do not). */
  recorded: boolean;
  models: Record<string, { name: string; perCell: number; cells: ErrorCell[] }>;
}

export function errorImagePath(id: ModelId, k: number): string {
  return `figures/errors/${id}/${k}.png`;
}

export function errorGalleryData(): ErrorGalleryData {
  const { manifest, models } = getBundle();
  const round = (p: number) => Math.round(p * 1e4) / 1e4;
  return {
    classes: manifest.dataset.classes,
    recorded: models.some((m) => m.misclassified),
    models: Object.fromEntries(
      models.map((m) => {
        const cells: ErrorCell[] = [];
        m.evaluation.confusion.forEach((row, i) =>
          row.forEach((count, j) => {
            if (i === j || count === 0) return;
            const images = (m.misclassified?.images ?? [])
              .map((img, k) => ({ img, k }))
              .filter(({ img }) => img.actual === i && img.predicted === j)
              .map(({ img, k }) => ({ src: errorImagePath(m.id, k), file: img.file, p: img.softmax.map(round) }));
            cells.push({ i, j, count, images });
          }),
        );
        return [m.id, { name: m.name, perCell: m.misclassified?.perCell ?? 0, cells }];
      }),
    ),
  };
}

/** Every (model, image) PNG: the endpoint's getStaticPaths. */
export function errorImageParams(): { model: ModelId; index: string }[] {
  return getBundle().models.flatMap((m) => (m.misclassified?.images ?? []).map((_, k) => ({ model: m.id, index: String(k) })));
}

export function errorImagePng(model: string | undefined, index: string | undefined): Promise<Buffer> {
  const m = getBundle().models.find((x) => x.id === model);
  if (!m) throw new RangeError(`model: expected one of ${getBundle().models.map((x) => x.id).join(', ')}, got "${model}"`);
  const k = Number(index);
  const n = getModel(m.id).misclassified?.images.length ?? 0;
  if (!/^\d+$/.test(index ?? '') || k >= n) throw new RangeError(`misclassified image of ${m.id}: expected 0..${n - 1}, got "${index}"`);
  const side = imageSize();
  const size = side * side;
  return grayscalePng(getMisclassifiedPixels(m.id).subarray(k * size, (k + 1) * size), side, side, ERROR_IMAGE_SCALE);
}
