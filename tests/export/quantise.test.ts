/**
 * The browser export's weight encodings, decoded by tfjs's own decodeWeights (what the
 * browser runs): error bounds of each encoding, zero kept exact, and the encoding choice.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import seedrandom from 'seedrandom';
import { gzipSync } from 'node:zlib';
import { affineRange, chooseEncoding, coarsen, encodeTensor, float16Bits, withinTolerance, QuantiseError, type WeightEncoding } from '../../pipeline/export/quantise.ts';

function decode(values: Float32Array, encoding: WeightEncoding): Float32Array {
  const enc = encodeTensor(values, encoding);
  const spec: tf.io.WeightsManifestEntry = { name: 'w', shape: [values.length], dtype: 'float32', ...(enc.quantization ? { quantization: enc.quantization } : {}) };
  const buffer = enc.bytes.buffer.slice(enc.bytes.byteOffset, enc.bytes.byteOffset + enc.bytes.byteLength) as ArrayBuffer;
  const t = tf.io.decodeWeights(buffer, [spec])['w']!;
  const out = t.dataSync() as Float32Array;
  t.dispose();
  return out;
}

/** Weights like a trained layer's: mostly small, a few large, some exact zeros. */
function weights(n: number, seed: string, scale = 0.05): Float32Array {
  const rng = seedrandom(seed);
  return Float32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 0 : (rng() - 0.5) * scale * (rng() < 0.02 ? 20 : 1)));
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('weight encodings round-trip through tfjs decodeWeights', () => {
  const values = weights(10_000, 'round-trip');
  const lo = Math.min(...values);
  const hi = Math.max(...values);

  it.each([
    ['uint8', 255],
    ['uint16', 65535],
  ] as const)('%s: every value within half a step of the original, zero exact', (encoding, levels) => {
    const back = decode(values, encoding);
    const step = (hi - lo) / levels;
    // Half a step of rounding, plus float32 rounding of the decoded value.
    expect(maxAbs(values, back)).toBeLessThanOrEqual(step / 2 + Math.max(Math.abs(lo), Math.abs(hi)) * 2 ** -23);
    // The error is really of that order, not zero (the test would pass on a no-op otherwise).
    expect(maxAbs(values, back)).toBeGreaterThan(step / 8);
    values.forEach((v, i) => v === 0 && expect(back[i]).toBe(0));
  });

  it('uint8 costs one byte per value, uint16 and float16 two, float32 four', () => {
    expect(encodeTensor(values, 'uint8').bytes.length).toBe(values.length);
    expect(encodeTensor(values, 'uint16').bytes.length).toBe(2 * values.length);
    expect(encodeTensor(values, 'float16').bytes.length).toBe(2 * values.length);
    expect(encodeTensor(values, 'float32').bytes.length).toBe(4 * values.length);
  });

  it('float16: relative error at most 2^-11 in the normal range', () => {
    const back = decode(values, 'float16');
    values.forEach((v, i) => {
      if (Math.abs(v) >= 2 ** -14) expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11);
      else expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(2 ** -25);
    });
    expect(maxAbs(values, back)).toBeGreaterThan(0);
  });

  it('float32 is exact', () => {
    expect(Array.from(decode(values, 'float32'))).toEqual(Array.from(values));
  });

  it('float16 bits: exact halves, ties to even, subnormals, overflow', () => {
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(65520)).toBe(0x7c00); // rounds up to Infinity
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie: to even (down)
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: to even (up)
    expect(float16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float16Bits(2 ** -26)).toBe(0); // below half the smallest subnormal
    expect(float16Bits(-0)).toBe(0x8000);
    expect(float16Bits(Infinity)).toBe(0x7c00);
  });

  it('a constant tensor decodes exactly; a non-finite one is refused with its name', () => {
    const constant = new Float32Array(50).fill(0.125);
    for (const e of ['uint8', 'uint16'] as const) expect(Array.from(decode(constant, e))).toEqual(Array.from(constant));
    expect(() => encodeTensor(Float32Array.from([1, NaN]), 'uint8', 'dense/kernel')).toThrow(QuantiseError);
    expect(() => encodeTensor(Float32Array.from([1, NaN]), 'uint8', 'dense/kernel')).toThrow(/dense\/kernel/);
  });

  it('the affine range puts 0 on a level and covers [lo, hi] to within half a step', () => {
    for (const [l, h] of [
      [-0.3, 0.7],
      [0.2, 0.9],
      [-0.9, -0.2],
    ] as const) {
      const { scale, min, max } = affineRange(l, h, 255);
      const zero = -min / scale;
      if (l <= 0 && h >= 0) expect(Math.abs(zero - Math.round(zero))).toBeLessThan(1e-9);
      expect(min).toBeLessThanOrEqual(l + scale / 2 + 1e-12);
      expect(max).toBeGreaterThanOrEqual(h - scale / 2 - 1e-12);
    }
  });
});

describe('encoding choice', () => {
  it('tolerance is counted in images: 0.05 pp of 5,895 allows 2 fewer correct, not 3', () => {
    expect(withinTolerance(5000, 5000, 5895, 0.0005)).toBe(true);
    expect(withinTolerance(4998, 5000, 5895, 0.0005)).toBe(true);
    expect(withinTolerance(4997, 5000, 5895, 0.0005)).toBe(false);
    expect(withinTolerance(5003, 5000, 5895, 0.0005)).toBe(true); // better is no cost
  });

  it('keeps the smallest encoding within tolerance and stops trying there', async () => {
    const accuracy: Record<WeightEncoding, number> = { uint8: 990, uint16: 999, float16: 1000, float32: 1000 };
    const asked: WeightEncoding[] = [];
    const r = await chooseEncoding(['uint8', 'uint16', 'float16', 'float32'], async (v) => (asked.push(v.encoding), accuracy[v.encoding]), 1000, 1000, 0.001, [{ step: 4, prune: 0.5 }]);
    expect(r.chosen).toEqual({ encoding: 'uint16' });
    // uint8 failed, so its coarsenings were never tried.
    expect(asked).toEqual(['uint8', 'uint16']);
    expect(r.tried.map((c) => c.correct)).toEqual([990, 999]);
  });

  it('falls back to float32 without evaluating it again', async () => {
    const asked: WeightEncoding[] = [];
    const r = await chooseEncoding(['uint8', 'float32'], async (v) => (asked.push(v.encoding), 0), 1000, 1000, 0.0005);
    expect(r.chosen).toEqual({ encoding: 'float32' });
    expect(asked).toEqual(['uint8']);
    expect(r.tried).toEqual([
      { encoding: 'uint8', correct: 0 },
      { encoding: 'float32', correct: 1000 },
    ]);
  });

  it('when plain uint8 passes, tries its coarsenings in the order given and keeps the first within tolerance', async () => {
    const a = { step: 8, prune: 0.9 };
    const b = { step: 4, prune: 0.75 };
    const c = { step: 1, prune: 0.5 };
    const correct = new Map<unknown, number>([[undefined, 1000], [a, 990], [b, 999], [c, 1000]]);
    const asked: unknown[] = [];
    const r = await chooseEncoding(['uint8', 'uint16', 'float32'], async (v) => (asked.push(v.coarsening), correct.get(v.coarsening)!), 1000, 1000, 0.001, [a, b, c]);
    expect(r.chosen).toEqual({ encoding: 'uint8', coarsening: b });
    expect(asked).toEqual([undefined, a, b]);
    expect(r.tried.map((t) => t.correct)).toEqual([1000, 990, 999]);
  });

  it('keeps plain uint8 when every coarsening costs accuracy', async () => {
    const r = await chooseEncoding(['uint8', 'float32'], async (v) => (v.coarsening ? 900 : 1000), 1000, 1000, 0.0005, [{ step: 2, prune: 0 }]);
    expect(r.chosen).toEqual({ encoding: 'uint8' });
    expect(r.tried).toHaveLength(2);
  });
});

describe('coarsening uint8 codes', () => {
  const values = Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i * 12.9898) * 0.3 + (i % 7 === 0 ? 0.05 : -0.02));
  const plain = encodeTensor(values, 'uint8');
  const q = plain.quantization as { scale: number; min: number };
  const zero = Math.round(-q.min / q.scale);

  it('prunes the given fraction to exactly 0 and keeps every other code on the grid counted from the code of 0, within half a step', () => {
    const out = coarsen(values, plain, { step: 4, prune: 0.75 });
    expect(out.quantization).toEqual(plain.quantization);
    const decoded = decode(values, 'uint8'); // plain decoding, for the distance check
    let zeros = 0;
    for (let i = 0; i < values.length; i++) {
      const code = out.bytes[i]!;
      expect(Math.abs(code - zero) % 4).toBe(0);
      if (code === zero) zeros++;
      else expect(Math.abs(code * q.scale + q.min - decoded[i]!)).toBeLessThanOrEqual(2 * q.scale + 1e-6);
    }
    expect(zeros / values.length).toBeGreaterThanOrEqual(0.75);
    expect(zeros / values.length).toBeLessThan(0.8);
    // The code of 0 decodes to exactly 0.
    expect(Math.abs(zero * q.scale + q.min)).toBeLessThan(1e-9);
  });

  it('prunes the smallest magnitudes first, and gzips smaller than plain uint8', () => {
    const out = coarsen(values, plain, { step: 1, prune: 0.5 });
    const mags = Array.from(values, Math.abs);
    const kept = mags.filter((_, i) => out.bytes[i] !== zero);
    const pruned = mags.filter((_, i) => out.bytes[i] === zero && plain.bytes[i] !== zero);
    expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...pruned));
    expect(gzipSync(out.bytes).length).toBeLessThan(gzipSync(plain.bytes).length * 0.8);
  });

  it('leaves the tensor as is for step 1 without pruning, and refuses a tensor that is not uint8', () => {
    expect(coarsen(values, plain, { step: 1, prune: 0 }).bytes).toEqual(plain.bytes);
    expect(() => coarsen(values, encodeTensor(values, 'uint16'), { step: 2, prune: 0 })).toThrow(QuantiseError);
  });
});
