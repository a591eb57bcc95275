/**
 * The Try-it section's preprocessing: image bytes → the 64×64 grayscale the models were
 * trained on, the same way pipeline/data/decode.ts makes it with sharp:
 *   1. grey = ITU-R 601 luma with PIL's integer weights (R = G = B maps to itself),
 *   2. resize to 64×64 ignoring the aspect ratio (sharp's `fit: 'fill'`), with a
 *      Lanczos-3 filter as sharp's default kernel (libvips: a box pre-shrink by whole
 *      factors, then Lanczos-3 over the rest, pixel centres aligned),
 *   3. pixel / 255.
 * Hand-written because the pipeline's resizer (libvips, in sharp) does not run in a
 * page without a multi-megabyte WebAssembly build; tests/tryit/preprocess.test.ts
 * measures how far this one is from sharp's output.
 *
 * Pure functions of bytes and pixels (no DOM): the page decodes with the browser, this
 * module does the rest, and Node tests run it against sharp.
 */

/** Images larger than this many pixels are refused before decoding (a 10,000 × 10,000 image would need 400 MB of canvas). */
export const MAX_PIXELS = 50_000_000;
/** And files larger than this. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

export type ImageKind = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';

export interface Header {
  kind: ImageKind;
  width: number;
  height: number;
}

/** A file that cannot be used, with the sentence the page shows. */
export class BadImage extends Error {
  override name = 'BadImage';
}

const u16be = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u16le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32be = (b: Uint8Array, o: number) => ((b[o]! << 24) >>> 0) + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

/**
 * Format and size from the file's first bytes, without decoding: null when the format
 * is not one of these (the browser may still decode it, e.g. AVIF).
 */
export function readHeader(b: Uint8Array): Header | null {
  if (b.length >= 24 && b[0] === 0x89 && ascii(b, 1, 3) === 'PNG' && ascii(b, 12, 4) === 'IHDR') return { kind: 'png', width: u32be(b, 16), height: u32be(b, 20) };
  if (b.length >= 10 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return { kind: 'gif', width: u16le(b, 6), height: u16le(b, 8) };
  if (b.length >= 26 && ascii(b, 0, 2) === 'BM') {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { kind: 'bmp', width: Math.abs(v.getInt32(18, true)), height: Math.abs(v.getInt32(22, true)) };
  }
  if (b.length >= 30 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    const chunk = ascii(b, 12, 4);
    if (chunk === 'VP8 ') return { kind: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
    if (chunk === 'VP8L') {
      const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
      return { kind: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8X') return { kind: 'webp', width: (b[24]! | (b[25]! << 8) | (b[26]! << 16)) + 1, height: (b[27]! | (b[28]! << 8) | (b[29]! << 16)) + 1 };
    return null;
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    // Walk the segments to the first start-of-frame marker (SOF0–SOF15 but DHT, JPG, DAC).
    let o = 2;
    while (o + 9 < b.length) {
      if (b[o] !== 0xff) return { kind: 'jpeg', width: 0, height: 0 };
      const marker = b[o + 1]!;
      if (marker === 0xff) {
        o++;
        continue;
      }
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { kind: 'jpeg', height: u16be(b, o + 5), width: u16be(b, o + 7) };
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
        o += 2;
        continue;
      }
      o += 2 + u16be(b, o + 2);
    }
    return { kind: 'jpeg', width: 0, height: 0 };
  }
  return null;
}

/** A JPEG whose last bytes are not the end-of-image marker has been cut off (the pipeline's test, pipeline/data/decode.ts). */
export function isCutOffJpeg(b: Uint8Array): boolean {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return false;
  let end = b.length;
  while (end > 2 && b[end - 1] === 0) end--; // some writers pad after EOI
  return !(b[end - 2] === 0xff && b[end - 1] === 0xd9);
}

/** A PNG without its closing IEND chunk has been cut off. */
export function isCutOffPng(b: Uint8Array): boolean {
  if (b.length < 8 || b[0] !== 0x89 || ascii(b, 1, 3) !== 'PNG') return false;
  return !ascii(b, Math.max(0, b.length - 64), Math.min(64, b.length)).includes('IEND');
}

/**
 * What the page checks before handing a file to the browser's decoder: size on disk,
 * a readable header with a sensible size, not cut off. Throws BadImage with the message.
 */
export function checkFile(name: string, bytes: Uint8Array): Header | null {
  if (bytes.length === 0) throw new BadImage(`“${name}” is empty (0 bytes).`);
  if (bytes.length > MAX_FILE_BYTES) throw new BadImage(`“${name}” is ${(bytes.length / 1e6).toFixed(0)} MB; files up to ${MAX_FILE_BYTES / 1024 / 1024} MB are accepted.`);
  const header = readHeader(bytes);
  if (header) {
    if (header.kind === 'jpeg' && isCutOffJpeg(bytes)) throw new BadImage(`“${name}” is a truncated JPEG (its end-of-image marker is missing): the file was cut off.`);
    if (header.kind === 'png' && isCutOffPng(bytes)) throw new BadImage(`“${name}” is a truncated PNG (its closing IEND chunk is missing): the file was cut off.`);
    if (header.width < 1 || header.height < 1) throw new BadImage(`“${name}” looks like a ${header.kind.toUpperCase()} but its header gives no image size: the file is damaged.`);
    if (header.width * header.height > MAX_PIXELS)
      throw new BadImage(
        `“${name}” is ${header.width.toLocaleString('en')} × ${header.height.toLocaleString('en')} pixels, too large to decode in the page (at most ${MAX_PIXELS / 1e6} megapixels). The models see small images anyway: please shrink it first.`,
      );
  }
  return header;
}

export interface GreyImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Some pixel's R, G, B differ. */
  colour: boolean;
  /** Some pixel was not fully opaque (composited on black). */
  transparent: boolean;
}

/**
 * RGBA (as canvas getImageData gives it, not premultiplied) → grey, compositing on
 * black first: each channel is multiplied by its opacity. Luma weights as the pipeline's.
 */
export function rgbaToGrey(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): GreyImage {
  const n = width * height;
  const pixels = new Uint8Array(n);
  let colour = false;
  let transparent = false;
  for (let p = 0, o = 0; p < n; p++, o += 4) {
    let r = rgba[o]!;
    let g = rgba[o + 1]!;
    let b = rgba[o + 2]!;
    const a = rgba[o + 3]!;
    if (a !== 255) {
      transparent = true;
      r = Math.round((r * a) / 255);
      g = Math.round((g * a) / 255);
      b = Math.round((b * a) / 255);
    }
    if (r !== g || g !== b) colour = true;
    pixels[p] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
  }
  return { pixels, width, height, colour, transparent };
}

// The resize below ports libvips (8.18, the version in sharp) operation for operation, so
// that an uploaded image reaches the models as the pipeline would have decoded it:
// vips_resize → vips_reducev then vips_reduceh (each: an integer box shrink by
// floor(factor / 2), then a Lanczos-3 mask in 12-bit fixed point from 65 precomputed
// sub-pixel phases, rounded to 8 bits); enlarging goes through vips_affine with the
// Catmull-Rom interpolator instead (not ported bit for bit; see the tests).
const TRANSFORM_SCALE = 64; // VIPS_TRANSFORM_SCALE
const INTERPOLATE_SHIFT = 12; // VIPS_INTERPOLATE_SHIFT
const INTERPOLATE_SCALE = 1 << INTERPOLATE_SHIFT;
const GAP = 2; // vips_resize's default reducing gap

function lanczos3(x: number): number {
  if (x < -3 || x > 3) return 0;
  const sinc = (v: number) => (v === 0 ? 1 : Math.sin(v * Math.PI) / (v * Math.PI));
  return sinc(x) * sinc(x / 3);
}

/** C's rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** libvips' fixed-point masks: for each of 65 phases, n coefficients (C's (short) truncation). */
function lanczosMasks(n: number, shrink: number): Int16Array[] {
  return Array.from({ length: TRANSFORM_SCALE + 1 }, (_, t) => {
    const x = Math.fround(t / TRANSFORM_SCALE); // (float) x / VIPS_TRANSFORM_SCALE
    const half = x + n / 2 - 1;
    const c = Array.from({ length: n }, (_, i) => lanczos3((i - half) * (1 / shrink)));
    const sum = c.reduce((a, v) => a + v, 0);
    return Int16Array.from(c, (v) => Math.trunc((v / sum) * INTERPOLATE_SCALE));
  });
}

/**
 * One axis of vips_reduceh / vips_reducev over `lines` lines of `n` samples each
 * (`at(line, i)` reads sample i of a line), to `round(n / shrink)` samples.
 */
function reduceAxis(at: (line: number, i: number) => number, lines: number, n: number, shrink: number): { out: Uint8Array; m: number } {
  const m = Math.floor(n / shrink + 0.5); // VIPS_ROUND_UINT
  let extra = m * shrink - n;
  let residual = shrink;
  let src = at;
  let len = n;
  const intShrink = Math.max(1, Math.floor(n / m / GAP));
  if (intShrink > 1) {
    // vips_shrinkh/v with ceil: box sums over whole blocks, the edge pixel repeated past the end.
    const boxed = ceilDiv(n, intShrink);
    const multiplier = Math.floor(2 ** 32 / (256 * intShrink));
    const amend = Math.floor(intShrink / 2);
    const buf = new Uint8Array(lines * boxed);
    for (let l = 0; l < lines; l++)
      for (let j = 0; j < boxed; j++) {
        let sum = amend;
        for (let k = 0; k < intShrink; k++) sum += at(l, Math.min(n - 1, j * intShrink + k));
        buf[l * boxed + j] = Math.floor((sum * multiplier) / 2 ** 24);
      }
    src = (l, i) => buf[l * boxed + i]!;
    len = boxed;
    residual /= intShrink;
    extra /= intShrink;
  }
  const out = new Uint8Array(lines * m);
  if (residual === 1) {
    for (let l = 0; l < lines; l++) for (let j = 0; j < m; j++) out[l * m + j] = src(l, j);
    return { out, m };
  }
  const points = 2 * rint(3 * residual) + 1;
  const offset = (1 + extra) / 2 - 1;
  const pad = Math.ceil(points / 2) - 1; // vips_embed with VIPS_EXTEND_COPY
  const masks = lanczosMasks(points, residual);
  for (let l = 0; l < lines; l++) {
    let X = 0.5 * residual - 0.5 - offset;
    for (let j = 0; j < m; j++, X += residual) {
      const ix = Math.trunc(X);
      const sx = Math.trunc(X * TRANSFORM_SCALE * 2);
      const mask = masks[((sx & (TRANSFORM_SCALE * 2 - 1)) + 1) >> 1]!;
      let sum = 0;
      for (let i = 0; i < points; i++) sum += mask[i]! * src(l, Math.min(len - 1, Math.max(0, ix + i - pad)));
      out[l * m + j] = Math.min(255, Math.max(0, (sum + (INTERPOLATE_SCALE >> 1)) >> INTERPOLATE_SHIFT));
    }
  }
  return { out, m };
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

function cubic(x: number): number {
  // Catmull-Rom, libvips' "bicubic" interpolator.
  const a = Math.abs(x);
  if (a < 1) return 1.5 * a * a * a - 2.5 * a * a + 1;
  if (a < 2) return -0.5 * a * a * a + 2.5 * a * a - 4 * a + 2;
  return 0;
}

/** Enlarging one axis, centre-aligned, edges extended by copying (vips_affine with bicubic, in floating point). */
function enlargeAxis(at: (line: number, i: number) => number, lines: number, n: number, m: number): Uint8Array {
  const out = new Uint8Array(lines * m);
  for (let l = 0; l < lines; l++)
    for (let j = 0; j < m; j++) {
      const centre = ((j + 0.5) * n) / m - 0.5;
      const base = Math.floor(centre);
      let sum = 0;
      for (let k = base - 1; k <= base + 2; k++) sum += cubic(k - centre) * at(l, Math.min(n - 1, Math.max(0, k)));
      out[l * m + j] = Math.min(255, Math.max(0, Math.round(sum)));
    }
  return out;
}

/**
 * Grey pixels of any size → SIZE × SIZE (the dataset's image size) as the pipeline's
 * `sharp.resize(SIZE, SIZE, { fit: 'fill' })`: vertical pass first, then horizontal, each an 8-bit image.
 */
export function resizeTo(grey: Uint8Array, width: number, height: number, SIZE: number): Uint8Array {
  if (width === SIZE && height === SIZE) return grey.slice();
  // vips_resize's scale factors, and the reduce factors it derives from them.
  const hscale = Math.max(SIZE / width, 1 / width);
  const vscale = Math.max(SIZE / height, 1 / height);
  let data = grey;
  let w = width;
  let h = height;
  if (vscale < 1) {
    // Lines are columns: sample i of column x is row i.
    const src = data;
    const sw = w;
    const { out, m } = reduceAxis((x, i) => src[i * sw + x]!, w, h, 1 / vscale);
    data = transpose(out, w, m);
    h = m;
  }
  if (hscale < 1) {
    const src = data;
    const sw = w;
    const { out, m } = reduceAxis((y, i) => src[y * sw + i]!, h, w, 1 / hscale);
    data = out;
    w = m;
  }
  if (hscale > 1) {
    const src = data;
    const sw = w;
    data = enlargeAxis((y, i) => src[y * sw + i]!, h, w, SIZE);
    w = SIZE;
  }
  if (vscale > 1) {
    const src = data;
    const sw = w;
    data = transpose(enlargeAxis((x, i) => src[i * sw + x]!, w, h, SIZE), w, SIZE);
    h = SIZE;
  }
  return data;
}

/** Lines-of-columns (`cols` lines of `rows` samples) back to row-major rows × cols. */
function transpose(byColumn: Uint8Array, cols: number, rows: number): Uint8Array {
  const out = new Uint8Array(cols * rows);
  for (let x = 0; x < cols; x++) for (let y = 0; y < rows; y++) out[y * cols + x] = byColumn[x * rows + y]!;
  return out;
}

/** size × size uint8 → the model's input values, as the pipeline's imageBatch: v / 255. */
export function toInput(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]! / 255;
  return out;
}
