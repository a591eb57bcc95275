/**
 * Realistic image corruptions at five severities, after the families MedMNIST-C (Di Salvo
 * et al. 2024) applies to CT and X-ray images: Gaussian, speckle, impulse and shot noise,
 * Gaussian blur, pixelation, JPEG compression, brightness, contrast and gamma up and down.
 * The severity ladders are this project's (MedMNIST-C's are defined for its own image
 * sizes); pixel-sized parameters are given for a 224-pixel image and scaled by size / 224
 * (blur σ), or are fractions of the image side (pixelation), so they mean the same at any
 * image size. Severity 0 is the identity. Deterministic: the noise of image i under a
 * corruption and severity is drawn from a generator seeded with (seed, corruption,
 * severity, i), so the corrupted test set is the same on every run and backend, and it is
 * never stored: it is made when it is evaluated.
 *
 * Pixels are uint8 grey levels, as the dataset stores them; each corruption works on
 * [0, 1] values and rounds back to uint8 (clipped), as a corrupted image file would be.
 */
import seedrandom from 'seedrandom';
import sharp from 'sharp';

export const SEVERITIES = [1, 2, 3, 4, 5] as const;

export interface Corruption {
  id: string;
  name: string;
  family: 'noise' | 'blur' | 'digital' | 'intensity';
  /** The parameter per severity 1–5, and what it is. */
  levels: readonly number[];
  parameter: string;
}

export const CORRUPTIONS: readonly Corruption[] = [
  { id: 'gaussian-noise', name: 'Gaussian noise', family: 'noise', levels: [0.02, 0.04, 0.06, 0.08, 0.1], parameter: 'standard deviation of added noise (fraction of the grey range)' },
  { id: 'speckle-noise', name: 'Speckle noise', family: 'noise', levels: [0.05, 0.1, 0.15, 0.2, 0.25], parameter: 'standard deviation of multiplicative noise' },
  { id: 'impulse-noise', name: 'Impulse noise', family: 'noise', levels: [0.01, 0.02, 0.03, 0.05, 0.07], parameter: 'share of pixels set to black or white' },
  { id: 'shot-noise', name: 'Shot noise', family: 'noise', levels: [120, 60, 30, 15, 8], parameter: 'photons at full brightness (Poisson)' },
  { id: 'gaussian-blur', name: 'Gaussian blur', family: 'blur', levels: [1, 2, 3, 4, 6], parameter: 'σ in pixels of a 224-pixel image (scaled by size / 224)' },
  { id: 'pixelate', name: 'Pixelation', family: 'digital', levels: [0.6, 0.5, 0.4, 0.3, 0.25], parameter: 'side of the downsampled image (fraction of the side)' },
  { id: 'jpeg', name: 'JPEG compression', family: 'digital', levels: [30, 20, 15, 10, 7], parameter: 'JPEG quality' },
  { id: 'brightness-up', name: 'Brightness up', family: 'intensity', levels: [0.1, 0.2, 0.3, 0.4, 0.5], parameter: 'added to every grey value (fraction of the range)' },
  { id: 'brightness-down', name: 'Brightness down', family: 'intensity', levels: [0.1, 0.2, 0.3, 0.4, 0.5], parameter: 'subtracted from every grey value' },
  { id: 'contrast-up', name: 'Contrast up', family: 'intensity', levels: [1.25, 1.5, 1.75, 2, 2.5], parameter: 'factor on the distance from the image mean' },
  { id: 'contrast-down', name: 'Contrast down', family: 'intensity', levels: [0.8, 0.65, 0.5, 0.4, 0.3], parameter: 'factor on the distance from the image mean' },
  { id: 'gamma-up', name: 'Gamma up', family: 'intensity', levels: [1.25, 1.5, 1.75, 2, 2.5], parameter: 'γ in v^γ (darker mid-tones)' },
  { id: 'gamma-down', name: 'Gamma down', family: 'intensity', levels: [0.8, 0.65, 0.5, 0.4, 0.3], parameter: 'γ in v^γ (brighter mid-tones)' },
];

const toUnit = (px: Uint8Array) => Float32Array.from(px, (v) => v / 255);
const toBytes = (v: Float32Array) => Uint8Array.from(v, (x) => Math.round(Math.min(1, Math.max(0, x)) * 255));

/** A standard normal draw (Box–Muller) from `rng`. */
function normal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** A Poisson draw with mean `lambda` (Knuth's method below 30, a rounded normal above). */
function poisson(rng: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rng)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng();
  while (p > limit) {
    k++;
    p *= rng();
  }
  return k;
}

/** Separable Gaussian blur of a size × size image, edges extended. */
function blur(v: Float32Array, size: number, sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = kernel.reduce((a, b) => a + b, 0);
  const k = kernel.map((x) => x / sum);
  const pass = (src: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        let acc = 0;
        for (let i = -radius; i <= radius; i++) {
          const xx = horizontal ? Math.min(size - 1, Math.max(0, x + i)) : x;
          const yy = horizontal ? y : Math.min(size - 1, Math.max(0, y + i));
          acc += k[i + radius]! * src[yy * size + xx]!;
        }
        out[y * size + x] = acc;
      }
    return out;
  };
  return pass(pass(v, true), false);
}

/** Box-average down to `small` × `small`, then nearest-neighbour back up. */
function pixelate(v: Float32Array, size: number, small: number): Float32Array {
  const cells = new Float32Array(small * small);
  const counts = new Float32Array(small * small);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const c = Math.floor((y * small) / size) * small + Math.floor((x * small) / size);
      cells[c] += v[y * size + x]!;
      counts[c]++;
    }
  const out = new Float32Array(v.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const c = Math.floor((y * small) / size) * small + Math.floor((x * small) / size);
      out[y * size + x] = cells[c]! / counts[c]!;
    }
  return out;
}

/**
 * Image `pixels` (size × size uint8) under `corruption` at `severity` (0: unchanged).
 * `key`: distinguishes images, so that each gets its own noise.
 */
export async function corrupt(pixels: Uint8Array, size: number, corruption: Corruption, severity: number, seed: number, key: number): Promise<Uint8Array> {
  if (severity === 0) return pixels.slice();
  const p = corruption.levels[severity - 1];
  if (p === undefined) throw new Error(`${corruption.id}: severity ${severity} is not 0–5`);
  const rng = seedrandom(`${seed}:${corruption.id}:${severity}:${key}`);
  const v = toUnit(pixels);
  switch (corruption.id) {
    case 'gaussian-noise':
      return toBytes(v.map((x) => x + p * normal(rng)));
    case 'speckle-noise':
      return toBytes(v.map((x) => x + x * p * normal(rng)));
    case 'impulse-noise':
      return toBytes(v.map((x) => (rng() < p ? (rng() < 0.5 ? 0 : 1) : x)));
    case 'shot-noise':
      return toBytes(v.map((x) => poisson(rng, x * p) / p));
    case 'gaussian-blur':
      return toBytes(blur(v, size, (p * size) / 224));
    case 'pixelate':
      return toBytes(pixelate(v, size, Math.max(1, Math.round(size * p))));
    case 'jpeg': {
      const jpeg = await sharp(Buffer.from(pixels), { raw: { width: size, height: size, channels: 1 } }).jpeg({ quality: p }).toBuffer();
      const { data } = await sharp(jpeg).greyscale().raw().toBuffer({ resolveWithObject: true });
      return new Uint8Array(data.buffer, data.byteOffset, size * size).slice();
    }
    case 'brightness-up':
      return toBytes(v.map((x) => x + p));
    case 'brightness-down':
      return toBytes(v.map((x) => x - p));
    case 'contrast-up':
    case 'contrast-down': {
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      return toBytes(v.map((x) => mean + (x - mean) * p));
    }
    case 'gamma-up':
    case 'gamma-down':
      return toBytes(v.map((x) => x ** p));
    default:
      throw new Error(`unknown corruption ${corruption.id}`);
  }
}
