/**
 * Writing a file so that a reader sees the whole old file or the whole new one, never a
 * part: write a sibling temporary file, then rename it into place (rename is atomic on
 * one file system). A crash leaves at most a `.tmp-<pid>` file beside the target.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

const tmpName = (file: string) => `${file}.tmp-${process.pid}`;

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = tmpName(file);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Like writeFileAtomic; `write` fills the temporary file (e.g. from a stream or a file handle). */
export async function writeFileAtomicAsync(file: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = tmpName(file);
  try {
    await write(tmp);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
