/**
 * First-layer filter images: each filter of a network's first filter bank, summed over its
 * input channels, grey around mid-grey for 0 (white positive, black negative, each filter on
 * its own scale), in a grid of up to 16 a row, one PNG per network (and one of a network's
 * initial filters when they were ImageNet's).
 */
import sharp from 'sharp';
import { getModels } from '../lib/results.ts';

export const FILTERS_PER_ROW = 16;
const TILE_PX = 24;
const GAP = 2;

export interface FilterImage {
  key: string;
  model: string;
  which: 'trained' | 'initial';
}

export function filterImagePath(key: string): string {
  return `figures/filters/${key}.png`;
}

/** The figure's images: every network's trained filters, and the initial ones where they were ImageNet's. */
export function filterImages(): FilterImage[] {
  return getModels().flatMap((m) => {
    const f = m.firstFilters;
    if (!f) return [];
    return [{ key: m.id, model: m.id, which: 'trained' as const }, ...(f.initialWeights === 'imagenet' ? [{ key: `${m.id}-imagenet`, model: m.id, which: 'initial' as const }] : [])];
  });
}

/** The grid's size in pixels for `count` filters. */
export function filterGridSize(count: number): { width: number; height: number } {
  const cols = Math.min(FILTERS_PER_ROW, count);
  const rows = Math.ceil(count / FILTERS_PER_ROW);
  return { width: cols * TILE_PX + (cols - 1) * GAP, height: rows * TILE_PX + (rows - 1) * GAP };
}

export async function filterPng(key: string): Promise<Buffer> {
  const image = filterImages().find((i) => i.key === key);
  const m = getModels().find((x) => x.id === image?.model);
  const f = m?.firstFilters;
  if (!image || !f) throw new Error(`first-filters figure: no filters for "${key}"`);
  const values = image.which === 'trained' ? f.trained : f.initial;
  const [h, w, cin, cout] = f.shape;
  const { width, height } = filterGridSize(cout);
  const grey = new Uint8Array(width * height).fill(255);
  for (let o = 0; o < cout; o++) {
    const k = new Float64Array(h * w);
    for (let p = 0; p < h * w; p++) for (let c = 0; c < cin; c++) k[p]! += values[(p * cin + c) * cout + o]!;
    const peak = Math.max(...k.map(Math.abs)) || 1;
    const x0 = (o % FILTERS_PER_ROW) * (TILE_PX + GAP);
    const y0 = Math.floor(o / FILTERS_PER_ROW) * (TILE_PX + GAP);
    for (let y = 0; y < TILE_PX; y++)
      for (let x = 0; x < TILE_PX; x++) {
        const v = k[Math.floor((y * h) / TILE_PX) * w + Math.floor((x * w) / TILE_PX)]!;
        grey[(y0 + y) * width + x0 + x] = Math.round(128 + (127 * v) / peak);
      }
  }
  return sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 9 }).toBuffer();
}
