/**
 * The Try-it section's preprocessing against the pipeline's (sharp): grey conversion,
 * the 64×64 resize, header checks for the bad inputs the page refuses.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import seedrandom from 'seedrandom';
import { decodeImage } from '../../pipeline/data/decode.ts';
import { BadImage, checkFile, readHeader, resizeTo, rgbaToGrey, toInput, MAX_PIXELS } from '../../src/components/tryit/preprocess.ts';

/** A smooth grey test picture with edges (like a scan: blobs and a bright outline). */
function picture(w: number, h: number, seed: string): Uint8Array {
  const rng = seedrandom(seed);
  const blobs = Array.from({ length: 6 }, () => ({ x: rng() * w, y: rng() * h, r: (0.1 + rng() * 0.3) * Math.min(w, h), v: 60 + rng() * 190 }));
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let v = 10;
      for (const b of blobs) if ((x - b.x) ** 2 + (y - b.y) ** 2 < b.r ** 2) v = Math.max(v, b.v);
      out[y * w + x] = v;
    }
  return out;
}

/** The pipeline's 64×64 of a grey picture (sharp, as pipeline/data/decode.ts). */
async function pipeline64(grey: Uint8Array, w: number, h: number): Promise<Uint8Array> {
  const png = await sharp(grey, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
  return (await decodeImage(png, 64)).pixels;
}

describe('resize to 64×64 against the pipeline (sharp, Lanczos-3)', () => {
  it.each([
    [64, 64],
    [128, 128],
    [100, 80],
    [300, 200],
    [1000, 750],
    [65, 300],
    [2000, 97],
  ])('%i × %i: bit for bit what sharp makes', async (w, h) => {
    const grey = picture(w, h, `${w}x${h}`);
    const ours = resizeTo(grey, w, h, 64);
    const theirs = await pipeline64(grey, w, h);
    expect(Array.from(ours)).toEqual(Array.from(theirs));
  });

  it('enlarging (a side under 64 px) gives a 64×64 of the same brightness; not bit-exact with sharp (stated on the page)', async () => {
    const grey = picture(48, 40, 'small');
    const ours = resizeTo(grey, 48, 40, 64);
    const theirs = await pipeline64(grey, 48, 40);
    const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(ours.length).toBe(64 * 64);
    expect(Math.abs(mean(ours) - mean(theirs))).toBeLessThan(3);
  });
});

describe('grey conversion', () => {
  it('matches the pipeline on a colour image, bit for bit', async () => {
    const rng = seedrandom('colour');
    const rgba = new Uint8Array(64 * 64 * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(rng() * 256)));
    const ours = rgbaToGrey(rgba, 64, 64);
    const rgb = new Uint8Array(64 * 64 * 3);
    for (let p = 0; p < 64 * 64; p++) rgb.set(rgba.subarray(p * 4, p * 4 + 3), p * 3);
    const png = await sharp(rgb, { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
    const theirs = await decodeImage(png, 64);
    expect(ours.colour).toBe(true);
    expect(theirs.colour).toBe(true);
    expect(Array.from(ours.pixels)).toEqual(Array.from(theirs.pixels));
  });

  it('keeps grey values, and composites transparent pixels on black', () => {
    const rgba = Uint8Array.from([200, 200, 200, 255, 200, 200, 200, 0, 255, 255, 255, 128]);
    const g = rgbaToGrey(rgba, 3, 1);
    expect(Array.from(g.pixels)).toEqual([200, 0, 128]);
    expect(g.transparent).toBe(true);
    expect(g.colour).toBe(false);
  });

  it('scales like the pipeline: v / 255', () => {
    expect(Array.from(toInput(Uint8Array.from([0, 51, 255])))).toEqual([0, Math.fround(51 / 255), 1]);
  });
});

describe('file checks before decoding', () => {
  it('reads the size from PNG, JPEG, GIF and WebP headers', async () => {
    const raw = { raw: { width: 120, height: 70, channels: 3 as const } };
    const pixels = new Uint8Array(120 * 70 * 3).fill(90);
    for (const [kind, bytes] of [
      ['png', await sharp(pixels, raw).png().toBuffer()],
      ['jpeg', await sharp(pixels, raw).jpeg().toBuffer()],
      ['gif', await sharp(pixels, raw).gif().toBuffer()],
      ['webp', await sharp(pixels, raw).webp().toBuffer()],
      ['webp', await sharp(pixels, raw).webp({ lossless: true }).toBuffer()],
    ] as const)
      expect(readHeader(new Uint8Array(bytes)), kind).toEqual({ kind, width: 120, height: 70 });
  });

  it('refuses a 10,000 × 10,000 image from its header alone', async () => {
    // Only the header matters: a PNG header claiming 10,000 × 10,000 followed by nothing useful.
    const small = new Uint8Array(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer());
    const huge = small.slice();
    new DataView(huge.buffer).setUint32(16, 10_000);
    new DataView(huge.buffer).setUint32(20, 10_000);
    expect(10_000 * 10_000).toBeGreaterThan(MAX_PIXELS);
    expect(() => checkFile('huge.png', huge)).toThrow(BadImage);
    expect(() => checkFile('huge.png', huge)).toThrow(/10,000 × 10,000 pixels, too large/);
  });

  it('refuses a truncated JPEG and an empty file; lets text through to the decoder', async () => {
    const jpeg = new Uint8Array(await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).jpeg().toBuffer());
    expect(() => checkFile('cut.jpg', jpeg.subarray(0, jpeg.length >> 1))).toThrow(/truncated JPEG/);
    expect(checkFile('whole.jpg', jpeg)).toEqual({ kind: 'jpeg', width: 64, height: 64 });
    expect(() => checkFile('empty.png', new Uint8Array())).toThrow(/empty/);
    expect(checkFile('notes.txt', new TextEncoder().encode('not an image at all'))).toBeNull();
  });
});
