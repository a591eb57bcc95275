/**
 * The dataset's descriptor: what the data is called, where it comes from, how to cite
 * it, its licence, the size the models see and (optionally) the order of its classes.
 * One JSON file per dataset (datasets/medical-mnist.json is the default's); the manifest
 * records what was used, and the paper reads only that.
 *
 * Which descriptor applies, in order:
 *   1. `--dataset FILE` (or the DATASET environment variable);
 *   2. `dataset.json` inside the data folder, or `<name>.dataset.json` beside the zip or folder;
 *   3. a descriptor in datasets/ whose `fingerprint` is the data's content fingerprint
 *      (checked after decoding; that is how Medical MNIST is recognised wherever it lies);
 *   4. none: the dataset is named after its folder or archive and cites nothing.
 * Without an image size from a descriptor, the models see the data's most common size.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MAX_IMAGE_SIZE, MIN_IMAGE_SIZE, type DatasetInfo } from '../../schema/results.ts';
import { DataError } from './errors.ts';

export const DATASET_ENV = 'DATASET';
/** Where the project keeps descriptors matched by fingerprint. */
export const DESCRIPTORS_DIR = 'datasets';

export const DatasetDescriptor = z
  .object({
    name: z.string().trim().min(1),
    url: z.string().nullable().optional(),
    citation: z.string().nullable().optional(),
    licence: z.string().nullable().optional(),
    /** What one image shows, as a plural noun phrase ("kinds of medical scan"). */
    kinds: z.string().nullable().optional(),
    /** Side of the square images the models see; every image is resized to it. */
    imageSize: z.number().int().min(MIN_IMAGE_SIZE).max(MAX_IMAGE_SIZE).optional(),
    /** The class folders in the order the paper lists them (labels follow it); default: sorted by code point. */
    classes: z.array(z.string().min(1)).min(2).optional(),
    /** The data's content fingerprint (the manifest's dataset.fingerprint): lets the project recognise it. */
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    /** The data, relative to this file, when `--data` does not say. */
    data: z.string().optional(),
  })
  .strict();
export type DatasetDescriptor = z.infer<typeof DatasetDescriptor>;

export interface FoundDescriptor {
  descriptor: DatasetDescriptor;
  /** The file it came from, as given or found. */
  file: string;
}

/** Reads and checks one descriptor file; any problem is one line naming the file. */
export function readDescriptor(file: string): FoundDescriptor {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message.split('\n')[0];
    throw new DataError(`dataset descriptor ${file}: ${why} (expected a JSON object with at least "name")`);
  }
  const parsed = DatasetDescriptor.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DataError(`dataset descriptor ${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return { descriptor: parsed.data, file };
}

/** The descriptor given on the command line or found beside the data (steps 1 and 2), or null. */
export function descriptorFor(dataPath: string, given: string | undefined): FoundDescriptor | null {
  if (given) return readDescriptor(given);
  const inside = path.join(dataPath, 'dataset.json');
  if (existsSync(inside)) return readDescriptor(inside);
  const beside = dataPath.replace(/\.zip$/i, '').replace(/[/\\]+$/, '') + '.dataset.json';
  if (existsSync(beside)) return readDescriptor(beside);
  return null;
}

/** The project's descriptor whose fingerprint the data has (step 3), or null. */
export function descriptorByFingerprint(projectRoot: string, fingerprint: string, imageSize: number): FoundDescriptor | null {
  const dir = path.join(projectRoot, DESCRIPTORS_DIR);
  if (!existsSync(dir)) return null;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const found = readDescriptor(path.join(dir, f));
    const size = found.descriptor.imageSize;
    // The images were decoded at the data's own size: a descriptor asking for another applies only when given explicitly.
    if (found.descriptor.fingerprint === fingerprint && (size === undefined || size === imageSize)) return { ...found, file: path.join(DESCRIPTORS_DIR, f) };
  }
  return null;
}

/** The name of a dataset without a descriptor: its folder's or archive's name. */
export function nameFromPath(dataPath: string): string {
  return path.basename(dataPath.replace(/[/\\]+$/, '')).replace(/\.zip$/i, '') || dataPath;
}

/**
 * The classes in the descriptor's order, or sorted by code point. A descriptor that lists
 * other classes than the folders is one line naming both.
 */
export function classOrder(found: FoundDescriptor | null, folders: readonly string[]): { classes: string[]; from: DatasetInfo['classOrderFrom'] } {
  const sorted = [...folders].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const listed = found?.descriptor.classes;
  if (!listed) return { classes: sorted, from: 'sorted' };
  const missing = sorted.filter((c) => !listed.includes(c));
  const extra = listed.filter((c) => !sorted.includes(c));
  if (missing.length || extra.length || new Set(listed).size !== listed.length)
    throw new DataError(
      `dataset descriptor ${found!.file}: classes must list each class folder once (folders: ${sorted.join(', ')}` +
        `${missing.length ? `; not listed: ${missing.join(', ')}` : ''}${extra.length ? `; no such folder: ${extra.join(', ')}` : ''})`,
    );
  return { classes: [...listed], from: 'descriptor' };
}

/** The manifest's record of the descriptor used. */
export function datasetInfo(found: FoundDescriptor | null, dataPath: string, imageSizeFrom: DatasetInfo['imageSizeFrom'], classOrderFrom: DatasetInfo['classOrderFrom']): DatasetInfo {
  const d = found?.descriptor;
  return {
    name: d?.name ?? nameFromPath(dataPath),
    url: d?.url ?? null,
    citation: d?.citation ?? null,
    licence: d?.licence ?? null,
    kinds: d?.kinds ?? null,
    descriptor: found?.file ?? null,
    imageSizeFrom,
    classOrderFrom,
  };
}

/** The most common width of the square images among `sizes` ([width, height] pairs), clamped to the supported range. */
export function commonSize(sizes: readonly [number, number][]): number {
  const count = new Map<number, number>();
  for (const [w, h] of sizes) {
    const side = Math.max(w, h);
    count.set(side, (count.get(side) ?? 0) + 1);
  }
  let best = 64;
  let most = 0;
  for (const [side, n] of count) if (n > most || (n === most && side < best)) [best, most] = [side, n];
  return Math.min(MAX_IMAGE_SIZE, Math.max(MIN_IMAGE_SIZE, best));
}
