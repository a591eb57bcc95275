/**
 * Weight encodings of the browser export, as tfjs io reads them (its weight manifest's
 * `quantization` entry): uint8 / uint16 affine (value = q × scale + min) and float16.
 *
 * Why hand-written: the only quantiser for the tfjs format is tfjs-converter's Python
 * tool (`tensorflowjs_converter --quantize_*`), and this project never needs Python.
 * The affine range follows that tool's (`quantization.py`): min and max of the tensor,
 * nudged so that 0 is exactly representable, so zero weights and biases stay zero.
 * Decoding is not repeated here: the pipeline and the tests decode with tfjs's own
 * `decodeWeights`, the code the browser runs.
 */
import type { Coarsening, WeightEncoding } from '../../schema/results.ts';

export { WEIGHT_ENCODINGS, type Coarsening, type WeightEncoding } from '../../schema/results.ts';

/** Bytes per value of each encoding. */
export const BYTES_PER_VALUE: Record<WeightEncoding, number> = { uint8: 1, uint16: 2, float16: 2, float32: 4 };

/** tfjs io's `quantization` entry of a weight spec. */
export type Quantization = { dtype: 'uint8' | 'uint16'; scale: number; min: number; original_dtype: 'float32' } | { dtype: 'float16'; original_dtype: 'float32' };

export interface EncodedTensor {
  bytes: Uint8Array;
  /** Absent for float32 (stored as is). */
  quantization?: Quantization;
}

export class QuantiseError extends Error {
  override name = 'QuantiseError';
}

/** Encodes one float32 tensor's values. */
export function encodeTensor(values: Float32Array, encoding: WeightEncoding, name = 'tensor'): EncodedTensor {
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]!)) throw new QuantiseError(`weight ${name}: value ${values[i]} at index ${i} is not finite; cannot quantise`);
  switch (encoding) {
    case 'float32':
      return { bytes: new Uint8Array(values.slice().buffer) };
    case 'float16': {
      const half = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) half[i] = float16Bits(values[i]!);
      return { bytes: new Uint8Array(half.buffer), quantization: { dtype: 'float16', original_dtype: 'float32' } };
    }
    case 'uint8':
    case 'uint16':
      return affine(values, encoding);
  }
}

function affine(values: Float32Array, dtype: 'uint8' | 'uint16'): EncodedTensor {
  const levels = dtype === 'uint8' ? 255 : 65535;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const q = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  if (values.length === 0 || lo === hi) {
    // One value (or none): every entry decodes to min exactly.
    return { bytes: new Uint8Array(q.buffer), quantization: { dtype, scale: 1, min: values.length ? lo : 0, original_dtype: 'float32' } };
  }
  const { scale, min, max } = affineRange(lo, hi, levels);
  for (let i = 0; i < values.length; i++) {
    const v = Math.min(max, Math.max(min, values[i]!));
    q[i] = Math.round((v - min) / scale);
  }
  return { bytes: new Uint8Array(q.buffer), quantization: { dtype, scale, min, original_dtype: 'float32' } };
}

/**
 * The affine range over [lo, hi] with `levels` steps. When the range spans 0 its minimum
 * moves by at most half a step so that 0 falls on a level (as tfjs-converter's
 * `_get_affine_quantization_range`); a range of one sign contains no zeros to keep.
 */
export function affineRange(lo: number, hi: number, levels: number): { scale: number; min: number; max: number } {
  const scale = (hi - lo) / levels;
  const min = lo <= 0 && hi >= 0 ? -Math.round(-lo / scale) * scale : lo;
  return { scale, min, max: levels * scale + min };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of x, rounded to nearest, ties to even (overflow → ±Infinity). */
export function float16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): the value in units of 2^-24.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const kept = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    return sign | (rest > halfway || (rest === halfway && kept & 1) ? kept + 1 : kept);
  }
  const h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa rolls into the exponent, which is the right result (up to Infinity).
  return sign | (rest > 0x1000 || (rest === 0x1000 && h & 1) ? h + 1 : h);
}

/** One way of storing a model's weights: an encoding, and for uint8 optionally a coarsening. */
export interface Variant {
  encoding: WeightEncoding;
  coarsening?: Coarsening;
}

export interface Candidate extends Variant {
  /** Test images the encoded model classified correctly. */
  correct: number;
}

/**
 * Whether an encoding costs nothing measurable: its test accuracy is at most `tolerance`
 * (a fraction; 0.0005 = 0.05 percentage points) below the float model's on the same `n`
 * images. Counted in images, so the comparison is exact.
 */
export function withinTolerance(candidateCorrect: number, floatCorrect: number, n: number, tolerance: number): boolean {
  return floatCorrect - candidateCorrect <= Math.floor(tolerance * n + 1e-9);
}

/**
 * Tries the plain encodings in `order` (smallest first) and keeps the first within
 * tolerance; float32 always qualifies. When plain uint8 qualifies, its `coarser` variants
 * are tried next, in the order given (the caller's: smallest download first), and the first
 * within tolerance replaces it. A model that already loses accuracy at plain uint8 is not
 * tried coarser: coarsening only adds error to it.
 */
export async function chooseEncoding(
  order: readonly WeightEncoding[],
  evaluate: (variant: Variant) => Promise<number>,
  floatCorrect: number,
  n: number,
  tolerance: number,
  coarser: readonly Coarsening[] = [],
): Promise<{ chosen: Variant; tried: Candidate[] }> {
  const tried: Candidate[] = [];
  for (const encoding of order) {
    const correct = encoding === 'float32' ? floatCorrect : await evaluate({ encoding });
    tried.push({ encoding, correct });
    if (encoding !== 'float32' && !withinTolerance(correct, floatCorrect, n, tolerance)) continue;
    if (encoding === 'uint8')
      for (const coarsening of coarser) {
        const variant = { encoding, coarsening };
        const c = await evaluate(variant);
        tried.push({ ...variant, correct: c });
        if (withinTolerance(c, floatCorrect, n, tolerance)) return { chosen: variant, tried };
      }
    return { chosen: { encoding }, tried };
  }
  return { chosen: { encoding: 'float32' }, tried: [...tried, { encoding: 'float32', correct: floatCorrect }] };
}

/**
 * Makes a uint8-encoded tensor more compressible, still decoded by tfjs io alone (same
 * scale and min): the `prune` fraction of its weights smallest in magnitude become the code
 * of 0 (exactly 0), and the other codes move to the nearest point of a grid of every
 * `step`-th code counted from the code of 0. The file is no smaller; its gzip, what the page
 * downloads, is: fewer distinct bytes and runs of zeros. Why hand-written: tfjs-converter
 * offers only plain affine quantisation, and its weight-pruning tools need Python and
 * retraining; this needs neither, and the accuracy gate decides whether it costs anything.
 */
export function coarsen(values: Float32Array, encoded: EncodedTensor, c: Coarsening): EncodedTensor {
  const quant = encoded.quantization;
  if (quant?.dtype !== 'uint8') throw new QuantiseError('coarsen: the tensor is not uint8-encoded');
  if ((c.step === 1 && c.prune === 0) || values.length === 0) return encoded;
  const zero = Math.min(255, Math.max(0, Math.round(-quant.min / quant.scale)));
  let threshold = -Infinity;
  if (c.prune > 0) {
    const magnitudes = Float32Array.from(values, Math.abs).sort();
    threshold = magnitudes[Math.min(magnitudes.length - 1, Math.floor(c.prune * magnitudes.length))]!;
  }
  const codes = encoded.bytes;
  const out = new Uint8Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    if (Math.abs(values[i]!) < threshold) {
      out[i] = zero;
      continue;
    }
    let k = Math.round((codes[i]! - zero) / c.step);
    // Past either end of 0..255 the grid point one step nearer 0 is taken.
    if (zero + k * c.step > 255) k--;
    if (zero + k * c.step < 0) k++;
    out[i] = zero + k * c.step;
  }
  return { bytes: out, quantization: quant };
}
