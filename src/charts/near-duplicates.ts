/**
 * Figure: test images beside their nearest training image, with the distance, under
 * both protocols, and the nearest pairs just below and just above the near-duplicate
 * threshold. The pixels are the bundle's audit.u8 (64 × 64 uint8 per image, a pair's
 * second image right after its first), turned into PNGs at build time by
 * src/pages/figures/audit/; nothing here is a committed dataset image.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { AUDIT_FILE, BundleError, readBytes, readJson, SPLITS_FILE, type Bundle } from '../../schema/bundle.ts';
import { PROTOCOLS, SplitsFile, type Manifest } from '../../schema/results.ts';
import { getBundle, imageSize } from '../lib/results.ts';
import { protocolTitle } from '../lib/protocols.ts';

const pixelsPerImage = () => imageSize() ** 2;

/**
 * Each image is shown this many CSS pixels wide (the browser enlarges the 64-pixel PNG with
 * `image-rendering: pixelated`): PNGs at their own size weigh half as much as enlarged ones,
 * and these images load with the page (a lazy image would be missing from a printout).
 */
export const SHOWN_PX = 96;

export interface ShownPair {
  /** Images in audit.u8: `first`, and `first + 1` beside it. */
  first: number;
  distance: number;
  /** `<Class>/<file>` of each image (splits.json). */
  fileA: string;
  fileB: string;
  classA: string;
}

export interface PairGroup {
  key: 'image' | 'grouped' | 'below' | 'above';
  pairs: ShownPair[];
}

/** The figure's rows, from the manifest and splits.json's file list; empty groups are kept (the figure says they are empty). */
export function pairGroups(manifest: Pick<Manifest, 'audit'>, files: readonly string[]): PairGroup[] {
  const figures = manifest.audit?.figures;
  if (!figures) return [];
  const shown = (pairs: readonly { a: number; b: number; distance: number; offset: number }[]): ShownPair[] =>
    pairs.map((p) => ({ first: p.offset / pixelsPerImage(), distance: p.distance, fileA: files[p.a] ?? `#${p.a}`, fileB: files[p.b] ?? `#${p.b}`, classA: (files[p.a] ?? '').split('/')[0] ?? '' }));
  return [
    ...PROTOCOLS.filter((p) => figures.nearestTrain[p]).map((p) => ({ key: p, pairs: shown(figures.nearestTrain[p]!) })),
    { key: 'below' as const, pairs: shown(figures.belowThreshold) },
    { key: 'above' as const, pairs: shown(figures.aboveThreshold) },
  ];
}

export function groupTitle(manifest: Pick<Manifest, 'protocols'>, key: PairGroup['key'], threshold: string): string {
  if (key === 'below') return `Nearest pairs at or below the threshold (${threshold} grey levels): counted as near-duplicates`;
  if (key === 'above') return 'Nearest pairs just above it: kept apart';
  return `${protocolTitle(manifest, key)}: a test image (left) and its nearest training image`;
}

let pixels: Uint8Array | undefined;

/** audit.u8, length-checked against every pair the manifest indexes in it. */
export function auditPixels(bundle: Bundle = getBundle()): Uint8Array {
  if (pixels) return pixels;
  const file = join(bundle.dir, AUDIT_FILE);
  const bytes = readBytes(file);
  const groups = pairGroups(bundle.manifest, []);
  const needed = Math.max(0, ...groups.flatMap((g) => g.pairs.map((p) => (p.first + 2) * pixelsPerImage())));
  if (bytes.length < needed) throw new BundleError(`${file}: expected at least ${needed} bytes for the pairs indexed in manifest.audit.figures, found ${bytes.length}`);
  return (pixels = bytes);
}

/** splits.json's file list (for the images' names). */
export function splitFiles(bundle: Bundle = getBundle()): string[] {
  return readJson(join(bundle.dir, SPLITS_FILE), SplitsFile).files;
}

/** Site path of image `k` of audit.u8. */
export function auditImagePath(k: number): string {
  return `figures/audit/${k}.png`;
}

/** Every image of audit.u8 the figure shows, as static-path params. */
export function auditImageParams(): { image: string }[] {
  const ks = new Set(pairGroups(getBundle().manifest, []).flatMap((g) => g.pairs.flatMap((p) => [p.first, p.first + 1])));
  return [...ks].sort((a, b) => a - b).map((k) => ({ image: String(k) }));
}

export function auditImagePng(image: string | undefined): Promise<Buffer> {
  const bytes = auditPixels();
  const size = imageSize();
  const PIXELS = size * size;
  const n = bytes.length / PIXELS;
  const k = Number(image);
  if (!/^\d+$/.test(image ?? '') || k >= n) throw new RangeError(`audit image: expected 0..${n - 1}, got "${image}"`);
  return sharp(bytes.subarray(k * PIXELS, (k + 1) * PIXELS), { raw: { width: size, height: size, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 9, adaptiveFiltering: true })
    .toBuffer();
}
