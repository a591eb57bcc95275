/**
 * Realistic image corruptions at five severities, after MedMNIST-C (Di Salvo, Doerrich,
 * Ledig 2024, github.com/francescodisalvo05/medmnistc-api): the thirteen corruptions and
 * parameters it uses for axial CT (OrganAMNIST), the modality of half of Medical MNIST's
 * classes, which are also the ones it uses for chest X-ray (ChestMNIST) with different
 * strengths. Applied on the fly to test images, seeded, never stored as a dataset copy.
 *
 * MedMNIST-C tunes its parameters on 224 px images. Here:
 * - per-pixel corruptions (the four noises, brightness, contrast, gamma) are applied as
 *   they are: they do not depend on the image size;
 * - pixelation's parameter is a fraction of the image side, so it scales by itself;
 * - Gaussian blur's kernel is in pixels: its sigma (torchvision's default for the kernel
 *   size MedMNIST-C gives) is multiplied by size / 224, so the blur covers the same
 *   fraction of the image;
 * - JPEG's quality is kept; its 8 × 8 blocks cover a larger share of a small image, which
 *   the paper says.
 *
 * Hand-written because no npm library implements these with MedMNIST-C's definitions
 * (skimage's salt-and-pepper, PIL's enhancers, torchvision's gamma table); JPEG goes
 * through sharp (libjpeg, the quality scale PIL uses).
 */
import seedrandom from 'seedrandom';
import sharp from 'sharp';

export type CorruptionFamily = 'noise' | 'blur' | 'digital' | 'intensity';

export interface Corruption {
  id: string;
  name: string;
  family: CorruptionFamily;
  /** MedMNIST-C's parameter at severities 1–5 (OrganAMNIST, 224 px). */
  params: readonly [number, number, number, number, number];
}

export const SEVERITIES = [1, 2, 3, 4, 5] as const;

export const CORRUPTIONS: readonly Corruption[] = [
  { id: 'gaussian-noise', name: 'Gaussian noise', family: 'noise', params: [0.04, 0.08, 0.12, 0.16, 0.2] },
  { id: 'speckle-noise', name: 'Speckle noise', family: 'noise', params: [0.05, 0.1, 0.2, 0.3, 0.4] },
  { id: 'impulse-noise', name: 'Impulse noise', family: 'noise', params: [0.01, 0.02, 0.03, 0.05, 0.08] },
  { id: 'shot-noise', name: 'Shot noise', family: 'noise', params: [200, 100, 50, 25, 15] },
  { id: 'gaussian-blur', name: 'Gaussian blur', family: 'blur', params: [11, 13, 15, 17, 21] },
  { id: 'pixelate', name: 'Pixelation', family: 'digital', params: [0.7, 0.6, 0.5, 0.4, 0.35] },
  { id: 'jpeg', name: 'JPEG compression', family: 'digital', params: [50, 30, 15, 10, 7] },
  { id: 'brightness-up', name: 'Brightness up', family: 'intensity', params: [1.2, 1.3, 1.4, 1.5, 1.6] },
  { id: 'brightness-down', name: 'Brightness down', family: 'intensity', params: [0.8, 0.75, 0.7, 0.65, 0.6] },
  { id: 'contrast-up', name: 'Contrast up', family: 'intensity', params: [1.3, 1.4, 1.6, 1.7, 1.8] },
  { id: 'contrast-down', name: 'Contrast down', family: 'intensity', params: [0.8, 0.7, 0.6, 0.55, 0.5] },
  { id: 'gamma-up', name: 'Gamma up', family: 'intensity', params: [1.3, 1.4, 1.6, 1.8, 2] },
  { id: 'gamma-down', name: 'Gamma down', family: 'intensity', params: [0.9, 0.8, 0.7, 0.6, 0.4] },
];

/** The size MedMNIST-C's pixel-sized parameters were tuned at. */
export const TUNED_AT = 224;

/** How each parameter was carried over to this image size, for the paper's methods. */
export const RESCALING =
  'noise, brightness, contrast and gamma act per pixel and are applied as published; pixelation is a fraction of the side; ' +
  `the Gaussian blur's sigma is scaled by the image size over ${TUNED_AT} px; JPEG quality is kept (its 8 × 8 blocks cover more of a small image)`;

const clip255 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : v);

/** numpy's `(x * 255).astype(np.uint8)` on a value already clipped to [0, 1]: truncation. */
const toByte = (unit: number) => Math.floor(clip255(unit * 255));

/** Standard normal samples (Box–Muller) from a seeded uniform source. */
function normal(rng: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - rng();
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Poisson samples: Knuth's product method for small means, the normal approximation above 30 (exact enough at these means, and fast). */
function poisson(rng: () => number, gauss: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss()));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}

/** torchvision's default sigma for a Gaussian kernel of `k` pixels. */
export const torchvisionSigma = (k: number) => 0.3 * ((k - 1) * 0.5 - 1) + 0.8;

/** Separable Gaussian blur with reflected borders (torchvision pads by reflection), in floats; saliency.ts blurs its insertion canvas with it too. */
export function gaussianBlurFloat(img: ArrayLike<number>, size: number, sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const weights = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = weights.reduce((a, b) => a + b, 0);
  const w = weights.map((x) => x / total);
  const reflect = (i: number) => {
    let j = i;
    while (j < 0 || j >= size) j = j < 0 ? -j : 2 * (size - 1) - j;
    return j;
  };
  const pass = (src: ArrayLike<number>, horizontal: boolean) => {
    const out = new Float32Array(size * size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        let s = 0;
        for (let k = -radius; k <= radius; k++) s += w[k + radius]! * (horizontal ? src[y * size + reflect(x + k)]! : src[reflect(y + k) * size + x]!);
        out[y * size + x] = s;
      }
    return out;
  };
  return pass(pass(img, true), false);
}

function gaussianBlur(img: Uint8Array, size: number, sigma: number): Uint8Array {
  return Uint8Array.from(gaussianBlurFloat(img, size, sigma), (v) => Math.round(clip255(v)));
}

/** PIL's BOX resampling of a square image: each output pixel is the area-weighted mean of the input pixels it covers. */
function boxResize(img: ArrayLike<number>, from: number, to: number): Float32Array {
  const scale = from / to;
  // 1-D weights per output index, applied along both axes.
  const spans = Array.from({ length: to }, (_, o) => {
    const start = o * scale;
    const end = start + scale;
    const taps: [number, number][] = [];
    for (let i = Math.floor(start); i < Math.min(from, Math.ceil(end)); i++) taps.push([i, Math.min(end, i + 1) - Math.max(start, i)]);
    const sum = taps.reduce((a, [, w]) => a + w, 0);
    return taps.map(([i, w]) => [i, w / sum] as [number, number]);
  });
  const rows = new Float32Array(from * to);
  for (let y = 0; y < from; y++)
    for (let x = 0; x < to; x++) rows[y * to + x] = spans[x]!.reduce((s, [i, w]) => s + w * img[y * from + i]!, 0);
  const out = new Float32Array(to * to);
  for (let y = 0; y < to; y++)
    for (let x = 0; x < to; x++) out[y * to + x] = spans[y]!.reduce((s, [i, w]) => s + w * rows[i * to + x]!, 0);
  return out;
}

async function jpeg(img: Uint8Array, size: number, quality: number): Promise<Uint8Array> {
  const encoded = await sharp(img, { raw: { width: size, height: size, channels: 1 } }).jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
  const { data } = await sharp(encoded).greyscale().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, size * size).slice();
}

/** One image corrupted in place of a copy; `rng` is the corruption's seeded stream. */
async function corruptOne(img: Uint8Array, size: number, c: Corruption, p: number, rng: () => number, gauss: () => number): Promise<Uint8Array> {
  const n = size * size;
  const out = new Uint8Array(n);
  switch (c.id) {
    case 'gaussian-noise':
      for (let i = 0; i < n; i++) out[i] = toByte(Math.min(1, Math.max(0, img[i]! / 255 + p * gauss())));
      return out;
    case 'speckle-noise':
      for (let i = 0; i < n; i++) {
        const x = img[i]! / 255;
        out[i] = toByte(Math.min(1, Math.max(0, x + x * p * gauss())));
      }
      return out;
    case 'impulse-noise':
      // skimage's salt and pepper: each pixel flipped with probability p, half to white, half to black.
      for (let i = 0; i < n; i++) out[i] = rng() < p ? (rng() < 0.5 ? 255 : 0) : img[i]!;
      return out;
    case 'shot-noise':
      for (let i = 0; i < n; i++) out[i] = toByte(Math.min(1, poisson(rng, gauss, (img[i]! / 255) * p) / p));
      return out;
    case 'gaussian-blur':
      return gaussianBlur(img, size, (torchvisionSigma(p) * size) / TUNED_AT);
    case 'pixelate': {
      const small = Math.max(1, Math.floor(size * p));
      const up = boxResize(boxResize(img, size, small), small, size);
      for (let i = 0; i < n; i++) out[i] = Math.round(clip255(up[i]!));
      return out;
    }
    case 'jpeg':
      return jpeg(img, size, p);
    case 'brightness-up':
    case 'brightness-down':
      // PIL's Brightness: a blend with black.
      for (let i = 0; i < n; i++) out[i] = Math.round(clip255(img[i]! * p));
      return out;
    case 'contrast-up':
    case 'contrast-down': {
      // PIL's Contrast: a blend with the image's mean grey level (rounded).
      let sum = 0;
      for (let i = 0; i < n; i++) sum += img[i]!;
      const mean = Math.floor(sum / n + 0.5);
      for (let i = 0; i < n; i++) out[i] = Math.round(clip255(mean + p * (img[i]! - mean)));
      return out;
    }
    case 'gamma-up':
    case 'gamma-down': {
      // torchvision's adjust_gamma on an 8-bit image (gain 1): its lookup table.
      const table = Array.from({ length: 256 }, (_, v) => Math.floor((255 + 1 - 1e-3) * Math.pow(v / 255, p)));
      for (let i = 0; i < n; i++) out[i] = table[img[i]!]!;
      return out;
    }
    default:
      throw new Error(`unknown corruption "${c.id}"`);
  }
}

export function corruptionById(id: string): Corruption {
  const c = CORRUPTIONS.find((x) => x.id === id);
  if (!c) throw new Error(`unknown corruption "${id}": expected one of ${CORRUPTIONS.map((x) => x.id).join(', ')}`);
  return c;
}

/**
 * `count` images of `size` × `size` (concatenated) under corruption `id` at `severity`
 * (0: the images themselves). Deterministic in (seed, corruption, severity): the same
 * call gives the same bytes on any machine.
 */
export async function corruptImages(images: Uint8Array, count: number, size: number, id: string, severity: number, seed: number): Promise<Uint8Array> {
  const c = corruptionById(id);
  if (!Number.isInteger(severity) || severity < 0 || severity > 5) throw new Error(`corruption severity must be 0 to 5, got ${severity}`);
  const n = size * size;
  if (images.length < count * n) throw new Error(`corruptImages: ${count} images of ${size} × ${size} need ${count * n} bytes, got ${images.length}`);
  if (severity === 0) return images.slice(0, count * n);
  const rng = seedrandom(`${seed}:${id}:${severity}`);
  const gauss = normal(rng);
  const out = new Uint8Array(count * n);
  for (let k = 0; k < count; k++) out.set(await corruptOne(images.subarray(k * n, (k + 1) * n), size, c, c.params[severity - 1]!, rng, gauss), k * n);
  return out;
}
