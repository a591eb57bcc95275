/**
 * Grad-CAM figure images: per model, each activation sample (grey) under its Grad-CAM map
 * (bilinear to the image size, red where the map is high), side by side, as one PNG. The
 * maps come from ModelResult.saliency.sampleMaps at the layer's own resolution.
 */
import sharp from 'sharp';
import type { ModelId } from '../../schema/results.ts';
import { getModel, getModels, getSamples, imageSize } from '../lib/results.ts';

/** Each image at its own pixel size, 2 px apart, in the file; the page shows it at twice that (DISPLAY_SCALE), pixelated. */
export const CAM_SCALE = 1;
export const CAM_GAP = 2;
export const DISPLAY_SCALE = 2;

export function gradCamPath(id: ModelId): string {
  return `figures/gradcam/${id}.png`;
}

/** The models with Grad-CAM maps of the samples. */
export function gradCamModels(): ModelId[] {
  return getModels()
    .filter((m) => m.saliency && 'sampleMaps' in m.saliency && m.saliency.sampleMaps.length > 0)
    .map((m) => m.id);
}

function bilinear(map: readonly number[], h: number, w: number, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / size - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    for (let x = 0; x < size; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / size - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      const top = map[y0 * w + x0]! * (1 - fx) + map[y0 * w + x1]! * fx;
      const bottom = map[y1 * w + x0]! * (1 - fx) + map[y1 * w + x1]! * fx;
      out[y * size + x] = (top * (1 - fy) + bottom * fy) / 255;
    }
  }
  return out;
}

/** The strip of one model's samples with their maps: RGB, the grey image blended towards red by the map. */
export async function gradCamPng(id: ModelId): Promise<Buffer> {
  const model = getModel(id);
  const s = model.saliency;
  if (!s || !('sampleMaps' in s)) throw new Error(`Grad-CAM figure: model "${id}" has no Grad-CAM maps in its result`);
  const size = imageSize();
  const samples = getSamples();
  const k = s.sampleMaps.length;
  const tile = size * CAM_SCALE;
  const width = k * tile + (k - 1) * CAM_GAP;
  const rgb = new Uint8Array(width * tile * 3).fill(255);
  for (let i = 0; i < k; i++) {
    const cam = bilinear(s.sampleMaps[i]!, s.height, s.width, size);
    for (let y = 0; y < tile; y++)
      for (let x = 0; x < tile; x++) {
        const p = Math.floor(y / CAM_SCALE) * size + Math.floor(x / CAM_SCALE);
        const grey = samples[i * size * size + p]! * 0.75;
        const a = cam[p]! * 0.6;
        const at = (y * width + i * (tile + CAM_GAP) + x) * 3;
        rgb[at] = Math.round(grey * (1 - a) + 230 * a);
        rgb[at + 1] = Math.round(grey * (1 - a) + 40 * a);
        rgb[at + 2] = Math.round(grey * (1 - a) + 30 * a);
      }
  }
  return sharp(rgb, { raw: { width, height: tile, channels: 3 } }).png({ palette: true, colours: 128, dither: 0, compressionLevel: 9, effort: 10 }).toBuffer();
}
