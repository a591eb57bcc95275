/** Corruptions (pipeline/analysis/corruptions.ts): severity 0 is the identity, each is seeded and deterministic, and harm grows with severity. */
import { describe, expect, it } from 'vitest';
import { CORRUPTIONS, corrupt } from '../../pipeline/analysis/corruptions.ts';

const SIZE = 32;
/** A smooth image with an edge: a ramp plus a bright square. */
const image = Uint8Array.from({ length: SIZE * SIZE }, (_, i) => {
  const x = i % SIZE;
  const y = Math.floor(i / SIZE);
  return Math.min(255, 40 + x * 4 + (x > 10 && x < 22 && y > 10 && y < 22 ? 100 : 0));
});
const mad = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

describe('corruptions', () => {
  it.each(CORRUPTIONS.map((c) => [c.id, c] as const))('%s: severity 0 is the identity, the same seed gives the same image, and the change grows with severity', async (_, c) => {
    expect(await corrupt(image, SIZE, c, 0, 1, 0)).toEqual(image);
    const s3 = await corrupt(image, SIZE, c, 3, 1, 7);
    expect(await corrupt(image, SIZE, c, 3, 1, 7)).toEqual(s3);
    expect(s3).not.toEqual(image);
    const change = await Promise.all([1, 2, 3, 4, 5].map(async (s) => mad(await corrupt(image, SIZE, c, s, 1, 7), image)));
    // Non-decreasing up to noise: severity 5 changes the image more than severity 1.
    expect(change[4]!).toBeGreaterThan(change[0]!);
    expect(s3.length).toBe(SIZE * SIZE);
  });

  it('draws other noise for another image key or seed, and rejects an unknown severity', async () => {
    const noise = CORRUPTIONS.find((c) => c.id === 'gaussian-noise')!;
    const a = await corrupt(image, SIZE, noise, 2, 1, 0);
    expect(await corrupt(image, SIZE, noise, 2, 1, 1)).not.toEqual(a);
    expect(await corrupt(image, SIZE, noise, 2, 2, 0)).not.toEqual(a);
    await expect(corrupt(image, SIZE, noise, 6, 1, 0)).rejects.toThrow(/severity 6/);
  });
});
