/**
 * Small datasets for the loader tests, made with sharp: the same files written as a
 * folder, a Kaggle-layout zip (classes at the top) or a GitHub-archive zip (classes
 * under `<repo>-<commit>/resized/`, next to unrelated repository files).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { storedZip } from './synthetic-dataset.ts';

export type Files = Record<string, Buffer>;

/** Deterministic 64×64 grey pixels that differ with `seed`. */
export function greyPixels(seed: number, size = 64): Uint8Array {
  const px = new Uint8Array(size * size);
  for (let i = 0; i < px.length; i++) px[i] = (i * 37 + seed * 101 + ((i >> 6) * seed) % 53) & 0xff;
  return px;
}

export function png(pixels: Uint8Array, size = 64, channels: 1 | 3 = 1): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width: size, height: size, channels } }).png().toBuffer();
}

export function jpeg(pixels: Uint8Array, size = 64): Promise<Buffer> {
  return sharp(Buffer.from(pixels), { raw: { width: size, height: size, channels: 1 } }).jpeg({ quality: 95 }).toBuffer();
}

/** `perClass` distinct images (PNG, so pixels survive exactly) in each class folder. */
export async function cleanFiles(classes: string[], perClass: number): Promise<Files> {
  const files: Files = {};
  for (const [c, name] of classes.entries())
    for (let i = 0; i < perClass; i++) files[`${name}/${String(i).padStart(6, '0')}.png`] = await png(greyPixels(c * 100 + i));
  return files;
}

export function writeFolder(root: string, files: Files, emptyDirs: string[] = []): string {
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), bytes);
  }
  for (const d of emptyDirs) mkdirSync(path.join(root, d), { recursive: true });
  return root;
}

/** A zip of `files` under `prefix` (e.g. 'repo-abc/resized/'), with a directory entry for every folder, as zip tools write them. */
export function writeZip(file: string, files: Files, opts: { prefix?: string; extra?: Files; emptyDirs?: string[] } = {}): string {
  const prefix = opts.prefix ?? '';
  const all: Files = {};
  for (const [name, bytes] of Object.entries(files)) all[prefix + name] = bytes;
  Object.assign(all, opts.extra ?? {});
  const dirs = new Set<string>((opts.emptyDirs ?? []).map((d) => `${prefix}${d.replace(/\/?$/, '/')}`));
  for (const name of Object.keys(all)) {
    const parts = name.split('/');
    for (let k = 1; k < parts.length; k++) dirs.add(`${parts.slice(0, k).join('/')}/`);
  }
  const entries = [...[...dirs].sort().map((d) => ({ name: d, bytes: Buffer.alloc(0) })), ...Object.entries(all).map(([name, bytes]) => ({ name, bytes }))];
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, storedZip(entries));
  return file;
}

export const GITHUB_PREFIX = 'Medical-MNIST-Classification-a8942eefd6e75f8c34e88fcf2c41faa279aad346/resized/';
/** What GitHub's archive holds besides the images. */
export async function githubExtras(): Promise<Files> {
  const top = GITHUB_PREFIX.split('/')[0];
  return {
    [`${top}/README.md`]: Buffer.from('# Medical MNIST\n'),
    [`${top}/MedNIST.ipynb`]: Buffer.from('{}'),
    [`${top}/images/mayologo.png`]: await png(greyPixels(7, 16), 16),
    [`${top}/images/Convolution.png`]: await png(greyPixels(8, 16), 16),
  };
}
