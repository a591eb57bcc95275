/** The corruptions on cases with known answers: identity at severity 0, seeded, and each one's defining property. */
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { CORRUPTIONS, corruptImages, torchvisionSigma } from '../../pipeline/analysis/corruptions.ts';
import { measureRobustness, robustnessSubset } from '../../pipeline/analysis/robustness.ts';
import { balancedError } from '../../common/balanced-error.ts';

const size = 32;
const n = size * size;
const constant = (v: number, count = 1) => new Uint8Array(count * n).fill(v);
function textured(count: number, seed = 'tex'): Uint8Array {
  const rng = seedrandom(seed);
  return Uint8Array.from({ length: count * n }, () => Math.floor(rng() * 256));
}
const meanOf = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
const rmse = (a: Uint8Array, b: Uint8Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length);

describe('corruptions', () => {
  it('are the identity at severity 0 and change a textured image at every other severity', async () => {
    const img = textured(2);
    for (const c of CORRUPTIONS) {
      expect(await corruptImages(img, 2, size, c.id, 0, 1)).toEqual(img);
      for (const s of [1, 5]) expect(rmse(await corruptImages(img, 2, size, c.id, s, 1), img), `${c.id} at ${s}`).toBeGreaterThan(0.5);
    }
  });

  it('are deterministic in the seed, and the noises differ between seeds', async () => {
    const img = textured(3);
    for (const c of CORRUPTIONS) expect(await corruptImages(img, 3, size, c.id, 3, 7)).toEqual(await corruptImages(img, 3, size, c.id, 3, 7));
    for (const id of ['gaussian-noise', 'speckle-noise', 'impulse-noise', 'shot-noise']) expect(await corruptImages(img, 3, size, id, 3, 7)).not.toEqual(await corruptImages(img, 3, size, id, 3, 8));
  });

  it('grow with severity (Gaussian noise and blur move the image further at each step)', async () => {
    const img = textured(4);
    for (const id of ['gaussian-noise', 'gaussian-blur', 'pixelate', 'contrast-down']) {
      const d = [];
      for (let s = 1; s <= 5; s++) d.push(rmse(await corruptImages(img, 4, size, id, s, 1), img));
      for (let s = 1; s < 5; s++) expect(d[s]!, id).toBeGreaterThan(d[s - 1]!);
    }
  });

  it('match their definitions: brightness scales, gamma follows torchvision’s table, contrast keeps the mean', async () => {
    expect(meanOf(await corruptImages(constant(100), 1, size, 'brightness-down', 5, 1))).toBe(60); // × 0.6
    expect(meanOf(await corruptImages(constant(200), 1, size, 'brightness-up', 5, 1))).toBe(255); // × 1.6, clipped
    expect(meanOf(await corruptImages(constant(128), 1, size, 'gamma-up', 5, 1))).toBe(Math.floor(255.999 * (128 / 255) ** 2));
    const halves = Uint8Array.from({ length: n }, (_, i) => (i < n / 2 ? 100 : 200));
    const flat = await corruptImages(halves, 1, size, 'contrast-down', 5, 1); // × 0.5 around the mean 150
    expect(new Set(flat)).toEqual(new Set([125, 175]));
  });

  it('flip the stated share of pixels (impulse) and add noise of the stated spread (Gaussian)', async () => {
    const grey = constant(128, 50);
    const impulse = await corruptImages(grey, 50, size, 'impulse-noise', 5, 3); // 8 %
    const flipped = impulse.filter((v) => v !== 128).length / impulse.length;
    expect(flipped).toBeGreaterThan(0.07);
    expect(flipped).toBeLessThan(0.09);
    const gauss = await corruptImages(grey, 50, size, 'gaussian-noise', 5, 3); // sigma 0.2 of the range
    const m = meanOf(gauss) / 255;
    const sd = Math.sqrt(gauss.reduce((s, v) => s + (v / 255 - m) ** 2, 0) / gauss.length);
    expect(sd).toBeGreaterThan(0.19);
    expect(sd).toBeLessThan(0.21);
  });

  it('leave a flat image flat (blur, pixelation; JPEG within its coarsest quantisation step) and scale the blur with the image size', async () => {
    for (const id of ['gaussian-blur', 'pixelate']) expect(rmse(await corruptImages(constant(90), 1, size, id, 5, 1), constant(90)), id).toBeLessThan(0.01);
    expect(rmse(await corruptImages(constant(90), 1, size, 'jpeg', 1, 1), constant(90))).toBeLessThan(1.01);
    expect(rmse(await corruptImages(constant(90), 1, size, 'jpeg', 5, 1), constant(90))).toBeLessThan(8);
    expect(torchvisionSigma(11)).toBeCloseTo(2, 10);
    // A bright dot spreads further on a 32 px image at severity 5 (kernel 21 at 224 px: sigma 3.5 × 32/224 = 0.5) than at 1.
    const dot = constant(0);
    dot[16 * size + 16] = 255;
    const lit = async (s: number) => (await corruptImages(dot, 1, size, 'gaussian-blur', s, 1)).filter((v) => v > 0).length;
    expect(await lit(5)).toBeGreaterThanOrEqual(await lit(1));
    expect(await lit(5)).toBeLessThan(30);
  });

  it('refuse what they cannot do, in one line', async () => {
    await expect(corruptImages(constant(1), 1, size, 'fog', 1, 1)).rejects.toThrow(/unknown corruption "fog": expected one of gaussian-noise/);
    await expect(corruptImages(constant(1), 1, size, 'jpeg', 6, 1)).rejects.toThrow(/severity must be 0 to 5/);
    await expect(corruptImages(constant(1), 2, size, 'jpeg', 1, 1)).rejects.toThrow(/need 2048 bytes, got 1024/);
  });
});

describe('robustness measures', () => {
  it('balanced error weighs every class alike and leaves out absent classes', () => {
    expect(balancedError([0, 0, 1, 1], [0, 0, 1, 1], 3)).toBe(0);
    // Class 0: 9 of 10 right; class 1: 0 of 1 right: mean recall 0.45, whatever the majority.
    expect(balancedError([...new Array(10).fill(0), 1], [...new Array(9).fill(0), 1, 0], 2)).toBeCloseTo(0.55, 12);
  });

  it('takes a class-balanced, seeded subset of the test images', () => {
    const labels = Uint8Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : i < 95 ? 1 : 2));
    const test = Int32Array.from({ length: 100 }, (_, i) => i);
    const s = robustnessSubset(test, labels, 3, 12, 5);
    expect([0, 1, 2].map((c) => Array.from(s).filter((i) => labels[i] === c).length)).toEqual([4, 4, 4]);
    expect(robustnessSubset(test, labels, 3, 12, 5)).toEqual(s);
    expect(new Set(s).size).toBe(12);
  });

  it('runs every corruption and severity through a classifier that reads one pixel', async () => {
    // Class = whether the centre pixel is bright; black and white images, so only corruptions that flip the centre pixel cost anything.
    const count = 8;
    const labels = Uint8Array.from({ length: count }, (_, i) => i % 2);
    const pixels = new Uint8Array(count * n);
    labels.forEach((l, i) => pixels.fill(l ? 255 : 0, i * n, (i + 1) * n));
    const centre = (size / 2) * size + size / 2;
    const predict = async (p: Uint8Array, k: number) => Array.from({ length: k }, (_, i) => (p[i * n + centre]! > 127 ? 1 : 0));
    const r = await measureRobustness({ pixels, labels, size, classes: 2, seed: 1, predict });
    expect(r.clean).toBe(0);
    expect(r.corruptions.map((c) => c.id)).toEqual(CORRUPTIONS.map((c) => c.id));
    for (const c of r.corruptions) {
      expect(c.balancedError).toHaveLength(5);
      for (const e of c.balancedError) expect(e).toBeGreaterThanOrEqual(0);
    }
    // Brightness, contrast, gamma, blur, pixelation and JPEG keep a black or white image on its side of 127.
    for (const id of ['brightness-down', 'contrast-down', 'gamma-up', 'gaussian-blur', 'pixelate', 'jpeg']) expect(r.corruptions.find((c) => c.id === id)!.balancedError).toEqual([0, 0, 0, 0, 0]);
  });
});
