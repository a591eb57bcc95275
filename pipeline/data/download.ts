/**
 * Fetches Medical MNIST from its public origin on a networked machine that has no copy:
 * GitHub's archive of the original repository at the commit the Kaggle dataset came
 * from (images under `Medical-MNIST-Classification-<commit>/resized/<Class>/`). The
 * download streams to a temporary file beside the destination; its content fingerprint
 * is checked before it is renamed into place, so a wrong or cut-off download never
 * becomes the project's data.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataError } from './errors.ts';
import { fingerprintArchive, MEDICAL_MNIST_FINGERPRINT } from './fingerprint.ts';

export const MEDICAL_MNIST_COMMIT = 'a8942eefd6e75f8c34e88fcf2c41faa279aad346';
export const MEDICAL_MNIST_URL = `https://github.com/apolanco3225/Medical-MNIST-Classification/archive/${MEDICAL_MNIST_COMMIT}.zip`;

export interface DownloadOptions {
  /** Where the zip ends up, e.g. <project>/data/medical-mnist.zip. */
  dest: string;
  url?: string;
  /** The fingerprint the downloaded images must have; null skips the check. */
  expectedFingerprint?: string | null;
  log?: (line: string) => void;
  /** Abort when no bytes arrive for this long (default 60 s). */
  stallTimeoutMs?: number;
}

const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;

function cause(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError') return 'no data arrived for too long';
  // fetch wraps the system error: its message ("connect ECONNREFUSED …", "other side closed") says more than "fetch failed".
  return err?.cause?.message || err?.cause?.code || err?.message || String(e);
}

export async function downloadDataset(opts: DownloadOptions): Promise<{ path: string; bytes: number; fingerprint: string }> {
  const url = opts.url ?? MEDICAL_MNIST_URL;
  const expected = opts.expectedFingerprint === undefined ? MEDICAL_MNIST_FINGERPRINT : opts.expectedFingerprint;
  const log = opts.log ?? (() => {});
  const stallMs = opts.stallTimeoutMs ?? 60_000;
  await mkdir(path.dirname(opts.dest), { recursive: true });
  const tmp = `${opts.dest}.part-${process.pid}`;

  const abort = new AbortController();
  let stall = setTimeout(() => abort.abort(), stallMs);
  const alive = () => {
    clearTimeout(stall);
    stall = setTimeout(() => abort.abort(), stallMs);
  };
  try {
    log(`downloading Medical MNIST from ${url}`);
    let res: Response;
    try {
      res = await fetch(url, { redirect: 'follow', signal: abort.signal });
    } catch (e) {
      throw new DataError(`download of ${url} failed: ${cause(e)}`);
    }
    if (!res.ok || !res.body) throw new DataError(`download of ${url} failed: HTTP ${res.status} ${res.statusText}`.trim());
    const length = Number(res.headers.get('content-length')) || null;
    let received = 0;
    let nextReport = length ? length / 10 : 10 * MB;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        alive();
        received += chunk.length;
        if (received >= nextReport) {
          log(`downloaded ${mb(received)}${length ? ` of ${mb(length)} (${Math.round((received / length) * 100)} %)` : ''}`);
          nextReport += length ? length / 10 : 10 * MB;
        }
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), meter, createWriteStream(tmp));
    } catch (e) {
      throw new DataError(`download of ${url} failed after ${mb(received)}: ${cause(e)}`);
    }
    clearTimeout(stall);
    if (length && received !== length) throw new DataError(`download of ${url} stopped at ${mb(received)} of ${mb(length)}`);
    log(`downloaded ${mb(received)}; checking its content fingerprint`);

    let fingerprint: string;
    try {
      fingerprint = await fingerprintArchive(tmp);
    } catch (e) {
      throw new DataError(`the file downloaded from ${url} is not usable Medical MNIST: ${(e as Error).message}`);
    }
    if (expected && fingerprint !== expected)
      throw new DataError(`the images downloaded from ${url} have content fingerprint ${fingerprint}, expected ${expected}`);
    await rename(tmp, opts.dest);
    log(`saved ${opts.dest} (content fingerprint ${fingerprint.slice(0, 12)}…${expected ? ', as expected' : ''})`);
    return { path: opts.dest, bytes: (await stat(opts.dest)).size, fingerprint };
  } finally {
    clearTimeout(stall);
    await rm(tmp, { force: true });
  }
}
