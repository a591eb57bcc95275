/**
 * Where the dataset comes from, first match wins:
 *   1. `--data PATH` (relative to the working directory)
 *   2. the environment variable MEDICAL_MNIST_DATA
 *   3. the project default: data/medical-mnist.zip, or the folder data/medical-mnist/
 *   4. ../shared/data/medical-mnist.zip beside the project (CI and the dev machines)
 *   5. nothing found: download it from its public origin into data/medical-mnist.zip
 * A path given in 1 or 2 that does not exist is an error, never a fallback.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { DataError } from './errors.ts';
import { downloadDataset, MEDICAL_MNIST_URL } from './download.ts';
import { MEDICAL_MNIST_FINGERPRINT } from './fingerprint.ts';

export const DATA_ENV = 'MEDICAL_MNIST_DATA';
export const PROJECT_DATA_ZIP = 'data/medical-mnist.zip';
export const PROJECT_DATA_FOLDER = 'data/medical-mnist';
export const SHARED_DATA_ZIP = '../shared/data/medical-mnist.zip';

const EXPECTED = 'expected a folder or a .zip with one folder per class';

export interface LocateOptions {
  cliPath?: string;
  env?: NodeJS.ProcessEnv;
  projectRoot: string;
  /** Base of relative --data and MEDICAL_MNIST_DATA paths (default: process.cwd()). */
  cwd?: string;
}

export interface DataSource {
  path: string;
  how: string;
}

/** Nothing at any of the places looked at. */
export class DataNotFound extends DataError {
  constructor(readonly looked: string[], detail = '') {
    super(`no Medical MNIST data found (looked at ${looked.join(', ')})${detail}: pass --data <folder|zip> or set ${DATA_ENV}`);
  }
}

const kindOf = (p: string) => {
  try {
    const s = statSync(p);
    return s.isDirectory() ? 'folder' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
};

/** The first existing data source, without downloading. Throws DataNotFound when there is none. */
export function findDataSource(opts: LocateOptions): DataSource {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  if (opts.cliPath) {
    const p = path.resolve(cwd, opts.cliPath);
    if (!kindOf(p)) throw new DataError(`--data ${opts.cliPath}: no such file or folder (${EXPECTED})`);
    return { path: p, how: '--data' };
  }
  const fromEnv = env[DATA_ENV];
  if (fromEnv) {
    const p = path.resolve(cwd, fromEnv);
    if (!kindOf(p)) throw new DataError(`${DATA_ENV}=${fromEnv}: no such file or folder (${EXPECTED})`);
    return { path: p, how: `$${DATA_ENV}` };
  }
  const candidates: [string, 'file' | 'folder', string][] = [
    [path.resolve(opts.projectRoot, PROJECT_DATA_ZIP), 'file', `project default ${PROJECT_DATA_ZIP}`],
    [path.resolve(opts.projectRoot, PROJECT_DATA_FOLDER), 'folder', `project default ${PROJECT_DATA_FOLDER}/`],
    [path.resolve(opts.projectRoot, SHARED_DATA_ZIP), 'file', `shared copy ${SHARED_DATA_ZIP}`],
  ];
  for (const [p, kind, how] of candidates) if (kindOf(p) === kind) return { path: p, how };
  throw new DataNotFound(candidates.map(([p, kind]) => (kind === 'folder' ? `${p}/` : p)));
}

export interface ResolveOptions extends LocateOptions {
  log?: (line: string) => void;
  /** false: never download; otherwise where from and what fingerprint to expect (defaults: the public origin). */
  download?: false | { url?: string; expectedFingerprint?: string | null };
}

/** findDataSource, and when nothing is found, a download into data/medical-mnist.zip. */
export async function resolveDataSource(opts: ResolveOptions): Promise<DataSource> {
  try {
    return findDataSource(opts);
  } catch (e) {
    if (!(e instanceof DataNotFound) || opts.download === false) throw e;
    const url = opts.download?.url ?? MEDICAL_MNIST_URL;
    const dest = path.resolve(opts.projectRoot, PROJECT_DATA_ZIP);
    opts.log?.(`no local copy of Medical MNIST (looked at ${e.looked.join(', ')}); downloading it`);
    try {
      await downloadDataset({
        url,
        dest,
        expectedFingerprint: opts.download?.expectedFingerprint === undefined ? MEDICAL_MNIST_FINGERPRINT : opts.download.expectedFingerprint,
        log: opts.log,
      });
    } catch (d) {
      throw new DataNotFound(e.looked, `, and ${(d as Error).message}`);
    }
    return { path: dest, how: `downloaded from ${url}` };
  }
}
