import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { ActivationLayer } from '../../schema/results.ts';
import {
  COLOUR_LUT,
  LayerMaps,
  dequantize,
  grayscalePng,
  gridGeometry,
  lutColour,
  tileGrid,
  tileGridPng,
  upscaleFactor,
} from '../../src/charts/feature-maps.ts';
import { propagationStages, shownLayers } from '../../src/charts/feature-figures.ts';

/** A layer of `samples` × `channels` maps of h × w after `pad` unrelated bytes; byte = f(sample, channel, y, x). */
function layerBytes(samples: number, [h, w, c]: [number, number, number], pad: number, f: (s: number, ch: number, y: number, x: number) => number) {
  const bytes = new Uint8Array(pad + samples * c * h * w).fill(7);
  for (let s = 0; s < samples; s++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) bytes[pad + ((s * c + ch) * h + y) * w + x] = f(s, ch, y, x) & 255;
  const layer: ActivationLayer = { name: 'conv', type: 'Conv2D', shape: [h, w, c], offset: pad, min: -1, max: 3 };
  return { bytes, layer };
}

async function decodeRgb(png: Buffer) {
  const { data, info } = await sharp(png).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, info };
}

describe('the colour map', () => {
  it('has 256 viridis colours from dark purple to yellow', () => {
    expect(COLOUR_LUT).toHaveLength(256 * 3);
    expect(lutColour(0)).toBe('#440154');
    expect(lutColour(255)).toBe('#fde725');
  });

  it('dequantizes v to min + v/255·(max − min)', () => {
    expect(dequantize({ min: -1, max: 3 }, 0)).toBe(-1);
    expect(dequantize({ min: -1, max: 3 }, 255)).toBe(3);
    expect(dequantize({ min: -1, max: 3 }, 51)).toBeCloseTo(-0.2, 12);
  });
});

describe('LayerMaps', () => {
  it('reads sample × channel × h × w from the layer offset', () => {
    const { bytes, layer } = layerBytes(3, [2, 3, 4], 10, (s, ch, y, x) => s * 64 + ch * 8 + y * 3 + x);
    const maps = new LayerMaps(bytes, layer, 3);
    expect([...maps.map(2, 3)]).toEqual([2 * 64 + 24, 2 * 64 + 25, 2 * 64 + 26, 2 * 64 + 27, 2 * 64 + 28, 2 * 64 + 29]);
    expect([...maps.map(0, 0)]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => maps.map(3, 0)).toThrow(/sample 3 out of 0..2/);
    expect(() => maps.map(0, 4)).toThrow(/channel 4 out of 0..3/);
  });

  it('refuses a layer index that runs past the end of the file', () => {
    const { bytes, layer } = layerBytes(2, [2, 2, 2], 0, () => 0);
    expect(() => new LayerMaps(bytes.subarray(0, 10), layer, 2)).toThrow(/expected 16 bytes from offset 0, the file has 10/);
  });

  it('ranks channels by variance over samples and positions, dead channels last, ties by index', () => {
    // channel 0 constant (dead), 1 small spread, 2 large spread, 3 constant.
    const { bytes, layer } = layerBytes(2, [2, 2, 4], 0, (s, ch, y, x) => [5, 10 + ((x + y + s) % 2) * 4, ((x + s) % 2) * 200, 9][ch]!);
    expect(new LayerMaps(bytes, layer, 2).rankChannels()).toEqual([2, 1, 0, 3]);
  });
});

describe('tile grids', () => {
  it('upscales by whole factors only', () => {
    expect([64, 62, 32, 31, 29, 14, 4, 2, 1, 100].map((n) => upscaleFactor(n, 64))).toEqual([1, 1, 2, 2, 2, 4, 16, 32, 64, 1]);
    expect(gridGeometry(8, 8, 8, { rows: 4, tile: 64, gap: 2 })).toEqual({ columns: 2, rows: 4, scale: 8, tileWidth: 64, tileHeight: 64, width: 130, height: 262 });
    expect(gridGeometry(8, 4, 3, { rows: 4, tile: 64, gap: 2 })).toEqual({ columns: 1, rows: 3, scale: 8, tileWidth: 32, tileHeight: 64, width: 32, height: 196 });
  });

  it('writes a PNG of the expected size whose pixels decode back to the quantised bytes', async () => {
    // 2 samples × 5 channels of 16 × 16; sample 1 covers all 256 byte values across its channels.
    const { bytes, layer } = layerBytes(2, [16, 16, 5], 33, (s, ch, y, x) => (s === 1 ? y * 16 + x + ch * 37 : ch));
    const maps = new LayerMaps(bytes, layer, 2);
    const channels = [4, 0, 2];
    const grid = tileGrid(maps, 1, { channels, rows: 2, tile: 40, gap: 3 });
    expect([grid.scale, grid.columns, grid.rows]).toEqual([2, 2, 2]);
    expect([grid.width, grid.height]).toEqual([2 * 32 + 3, 2 * 32 + 3]);

    const png = await tileGridPng(grid);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', grid.width, grid.height]);

    const { data, info } = await decodeRgb(png);
    expect(info.channels).toBe(3);
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    const lut = (v: number) => [...COLOUR_LUT.subarray(v * 3, v * 3 + 3)];
    let checked = 0;
    // Column by column: channel 4 top left, channel 0 below it, channel 2 top right.
    channels.forEach((ch, i) => {
      const map = maps.map(1, ch);
      const x0 = Math.floor(i / 2) * (32 + 3);
      const y0 = (i % 2) * (32 + 3);
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          expect(pixel(x0 + x, y0 + y)).toEqual(lut(map[Math.floor(y / 2) * 16 + Math.floor(x / 2)]!));
          checked++;
        }
    });
    expect(checked).toBe(3 * 32 * 32);
    // Gaps and the empty fourth cell (bottom right) are white.
    expect(pixel(33, 5)).toEqual([255, 255, 255]);
    expect(pixel(50, 50)).toEqual([255, 255, 255]);
  });

  it('encodes an input image as grayscale whose pixels decode to the sample bytes', async () => {
    const pixels = Uint8Array.from({ length: 64 * 64 }, (_, i) => (i * 7) & 255);
    const png = await grayscalePng(pixels, 64, 64, 2);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.channels, meta.space]).toEqual(['png', 1, 'b-w']);
    const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([128, 128, 1]);
    for (let y = 0; y < 128; y += 5) for (let x = 0; x < 128; x += 3) expect(data[y * 128 + x]).toBe(pixels[(y >> 1) * 64 + (x >> 1)]);
  });
});

describe('which layers the feature figures show', () => {
  const model = (layers: { shape: [number, number, number]; type?: string }[]) => ({
    activations: {
      file: 'a',
      sampleCount: 1,
      layers: layers.map((l, i) => ({ name: `l${i}`, type: l.type ?? 'Conv2D', shape: l.shape, offset: 0, min: 0, max: 1 })),
    },
  });
  const shapes = (list: [number, number, number][]) => model(list.map((shape) => ({ shape })));

  it('shows every layer of a small model', () => {
    expect(shownLayers(shapes([[62, 62, 8], [31, 31, 8], [29, 29, 16]]))).toEqual([0, 1, 2]);
  });

  it('shows a deep model its first layer, pooling and block outputs only', () => {
    const deep = model([
      { shape: [32, 32, 64] }, // conv1
      { shape: [16, 16, 64], type: 'MaxPooling2D' },
      ...Array.from({ length: 6 }, () => ({ shape: [16, 16, 64] as [number, number, number] })), // block convs
      { shape: [16, 16, 256], type: 'Activation' }, // block output
      ...Array.from({ length: 6 }, () => ({ shape: [8, 8, 128] as [number, number, number] })),
      { shape: [8, 8, 512], type: 'Activation' },
      { shape: [1, 1, 512], type: 'GlobalAveragePooling2D' },
    ]);
    expect(shownLayers(deep, 10)).toEqual([0, 1, 8, 15, 16]);
  });

  it('keeps the last shown layer at each spatial resolution as a propagation stage', () => {
    const m = shapes([[32, 32, 64], [16, 16, 64], [16, 16, 256], [16, 16, 256], [8, 8, 512], [8, 8, 512], [1, 1, 2048]]);
    expect(propagationStages(m)).toEqual([0, 3, 5, 6]);
  });

  it('keeps every layer of a small CNN whose sizes all differ as a stage', () => {
    expect(propagationStages(shapes([[62, 62, 8], [31, 31, 8], [29, 29, 16], [14, 14, 16]]))).toEqual([0, 1, 2, 3]);
  });

  it('thins many stages to at most `max`, keeping the first and the last', () => {
    const many = shapes(Array.from({ length: 20 }, (_, i) => [40 - i, 40 - i, 4] as [number, number, number]));
    const stages = propagationStages(many, 5);
    expect(stages).toHaveLength(5);
    expect(stages[0]).toBe(0);
    expect(stages.at(-1)).toBe(19);
  });
});
