/**
 * Feature maps from the bundle's quantised activations, drawn as PNG tile grids at
 * build time: one tile per channel, nearest-neighbour upscaled, coloured with a
 * fixed perceptual map over the layer's own [min, max] (the bundle quantises each
 * layer on one scale across all samples, so colours compare across samples and
 * channels of a layer, not across layers).
 */
import sharp from 'sharp';
import { scheme } from 'vega';
import type { ActivationLayer } from '../../schema/results.ts';
import { ACTIVATION_SCHEME } from './palette.ts';

/** 256 RGB triples: the colour of quantised value v is LUT[3v..3v+2]. */
export const COLOUR_LUT: Uint8Array = buildLut(ACTIVATION_SCHEME);

function buildLut(name: string): Uint8Array {
  const interpolate = scheme(name) as ((t: number) => string) | undefined;
  if (typeof interpolate !== 'function') throw new Error(`colour scheme "${name}": expected a continuous vega scheme`);
  const lut = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) {
    const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(interpolate(v / 255));
    if (!m) throw new Error(`colour scheme "${name}": expected rgb() colours, got ${interpolate(v / 255)}`);
    lut.set([Number(m[1]), Number(m[2]), Number(m[3])], v * 3);
  }
  return lut;
}

/** CSS colour of quantised value v (0–255) under the activation colour map. */
export function lutColour(v: number): string {
  const i = Math.max(0, Math.min(255, Math.round(v))) * 3;
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `#${hex(COLOUR_LUT[i]!)}${hex(COLOUR_LUT[i + 1]!)}${hex(COLOUR_LUT[i + 2]!)}`;
}

/** A CSS linear-gradient of the colour map, left = layer minimum, right = maximum. */
export function lutGradientCss(stops = 11): string {
  const parts = Array.from({ length: stops }, (_, i) => {
    const t = i / (stops - 1);
    return `${lutColour(t * 255)} ${Math.round(t * 100)}%`;
  });
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

/** The quantised value v of a layer as the activation it stands for. */
export function dequantize(layer: Pick<ActivationLayer, 'min' | 'max'>, v: number): number {
  return layer.min + (v / 255) * (layer.max - layer.min);
}

/** One layer of one model's activation bytes: samples × channels × h × w from `layer.offset`. */
export class LayerMaps {
  readonly height: number;
  readonly width: number;
  readonly channels: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly layer: ActivationLayer,
    readonly sampleCount: number,
  ) {
    [this.height, this.width, this.channels] = layer.shape;
    const end = layer.offset + sampleCount * this.channels * this.height * this.width;
    if (end > bytes.length) throw new RangeError(`activation layer ${layer.name}: expected ${end} bytes from offset ${layer.offset}, the file has ${bytes.length}`);
  }

  /** h × w bytes of one channel of one sample (a view into the bundle's bytes). */
  map(sample: number, channel: number): Uint8Array {
    if (!Number.isInteger(sample) || sample < 0 || sample >= this.sampleCount) throw new RangeError(`activation layer ${this.layer.name}: sample ${sample} out of 0..${this.sampleCount - 1}`);
    if (!Number.isInteger(channel) || channel < 0 || channel >= this.channels) throw new RangeError(`activation layer ${this.layer.name}: channel ${channel} out of 0..${this.channels - 1}`);
    const size = this.height * this.width;
    const start = this.layer.offset + (sample * this.channels + channel) * size;
    return this.bytes.subarray(start, start + size);
  }

  /**
   * Channels ordered by how much they vary over all samples and positions (most
   * first; ties by index). Dead channels (constant) sink to the end, and the order
   * is the same for every sample, so switching images compares the same channels.
   */
  rankChannels(): number[] {
    const variance = new Float64Array(this.channels);
    for (let c = 0; c < this.channels; c++) {
      let sum = 0;
      let sq = 0;
      let n = 0;
      for (let s = 0; s < this.sampleCount; s++) {
        for (const v of this.map(s, c)) {
          sum += v;
          sq += v * v;
          n++;
        }
      }
      const mean = sum / n;
      variance[c] = sq / n - mean * mean;
    }
    return Array.from({ length: this.channels }, (_, c) => c).sort((a, b) => variance[b]! - variance[a]! || a - b);
  }
}

export interface TileLayout {
  /** Channels to draw, in order: down the first column, then the next. */
  channels: readonly number[];
  /** Tiles per column. Filling columns first puts the top-ranked channels in the first
   * column, so a view that crops an image to its first column shows the best ones. */
  rows: number;
  /** Each map is upscaled by the largest whole factor that keeps it within this many pixels (at least 1×). */
  tile: number;
  /** Pixels between tiles. */
  gap: number;
}

export interface GridGeometry {
  columns: number;
  rows: number;
  scale: number;
  /** Size of one upscaled map. */
  tileWidth: number;
  tileHeight: number;
  width: number;
  height: number;
}

export interface TileGrid extends GridGeometry {
  /** width × height × 3 RGB bytes. */
  rgb: Uint8Array;
}

/** Gap colour between tiles: white, like the figure panel behind it. */
const GAP = 255;

/** Whole-number upscaling so a map of `size` pixels fills about `tile` pixels. */
export function upscaleFactor(size: number, tile: number): number {
  return Math.max(1, Math.floor(tile / size));
}

/** Size of a grid of `count` maps of height × width pixels under `layout`. */
export function gridGeometry(height: number, width: number, count: number, layout: Omit<TileLayout, 'channels'>): GridGeometry {
  const rows = Math.max(1, Math.min(layout.rows, count));
  const columns = Math.ceil(count / rows);
  const scale = upscaleFactor(Math.max(height, width), layout.tile);
  const tileWidth = width * scale;
  const tileHeight = height * scale;
  return {
    columns,
    rows,
    scale,
    tileWidth,
    tileHeight,
    width: columns * tileWidth + (columns - 1) * layout.gap,
    height: rows * tileHeight + (rows - 1) * layout.gap,
  };
}

/** Lays the chosen channels of one sample out as coloured tiles, column by column. */
export function tileGrid(maps: LayerMaps, sample: number, layout: TileLayout): TileGrid {
  const { channels, gap } = layout;
  if (channels.length === 0) throw new RangeError(`tile grid of ${maps.layer.name}: expected at least one channel`);
  const geometry = gridGeometry(maps.height, maps.width, channels.length, layout);
  const { rows, scale, tileWidth, tileHeight, width, height } = geometry;
  const rgb = new Uint8Array(width * height * 3).fill(GAP);
  channels.forEach((channel, i) => {
    const map = maps.map(sample, channel);
    const x0 = Math.floor(i / rows) * (tileWidth + gap);
    const y0 = (i % rows) * (tileHeight + gap);
    for (let y = 0; y < tileHeight; y++) {
      const src = Math.floor(y / scale) * maps.width;
      let at = ((y0 + y) * width + x0) * 3;
      for (let x = 0; x < tileWidth; x++, at += 3) {
        const v = map[src + Math.floor(x / scale)]! * 3;
        rgb[at] = COLOUR_LUT[v]!;
        rgb[at + 1] = COLOUR_LUT[v + 1]!;
        rgb[at + 2] = COLOUR_LUT[v + 2]!;
      }
    }
  });
  return { ...geometry, rgb };
}

/**
 * The grid as an indexed PNG: the colour map has at most 256 colours (plus the gap
 * white), so a palette holds them all and the file is about half an RGB one; with
 * dithering off and full quality the quantiser keeps every colour exact (the tests
 * decode a grid of all 256 values to check).
 */
export function tileGridPng(grid: TileGrid): Promise<Buffer> {
  return sharp(grid.rgb, { raw: { width: grid.width, height: grid.height, channels: 3 } })
    .png({ palette: true, colours: 256, dither: 0, quality: 100, effort: 10, compressionLevel: 9 })
    .toBuffer();
}

/** A 64 × 64 input image (uint8 grayscale), upscaled `scale`× nearest-neighbour, as a PNG. */
export function grayscalePng(pixels: Uint8Array, width: number, height: number, scale = 1): Promise<Buffer> {
  if (pixels.length !== width * height) throw new RangeError(`grayscale image: expected ${width * height} bytes, got ${pixels.length}`);
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .resize(width * scale, height * scale, { kernel: 'nearest' })
    // Without this sharp widens one-channel input to RGB: three times the bytes for the same gray.
    .toColourspace('b-w')
    .png({ compressionLevel: 9 })
    .toBuffer();
}
