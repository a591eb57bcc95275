/**
 * The run's two folders, claimed before any data is read: the results folder (--out),
 * which the run will replace, and the cache folder (--cache-dir), which it writes into.
 * Each must be absent, empty, or one this project wrote (common/owned-folder.ts); the
 * results folder is locked against a second run (lock.ts); leftovers of killed runs are
 * removed. Every failure is one line naming the path and the real cause, within seconds.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkOwnedFolder, describeFsError, makeFolder, markOwnedFolder, MARKERS, PathError, processAlive, removeLeftovers } from '../../common/owned-folder.ts';
import { lockFolder, type Lock } from './lock.ts';

export interface ClaimedOutputs {
  lock: Lock;
  /** Leftovers of earlier runs that were removed, for the log. */
  removed: string[];
}

/** Temporary files of a killed run in the cache: `<name>.tmp-<pid>[-…]`. */
const TEMP_FILE = /\.tmp-(\d+)(-[0-9a-f]+)?$/;


/** Removes `*.tmp-<pid>` files (a dataset cache or model result half written) of runs no longer alive, two levels deep. */
function removeCacheLeftovers(cacheDir: string): string[] {
  const removed: string[] = [];
  const visit = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(dir, name);
      const m = TEMP_FILE.exec(name);
      if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) {
        rmSync(full, { recursive: true, force: true });
        removed.push(full);
      } else if (depth < 3 && statSync(full, { throwIfNoEntry: false })?.isDirectory()) visit(full, depth + 1);
    }
  };
  visit(cacheDir, 0);
  return removed;
}

/**
 * The cache folder alone, for the commands that write no bundle (`plan`, `run --shard`).
 * Leftovers are not removed: shards of one study may share a cache on a cluster's shared
 * file system, where another node's live process cannot be told from a dead one by its pid.
 */
export function claimCache(cacheDir: string): void {
  checkOwnedFolder(cacheDir, 'cache', `--cache-dir ${cacheDir}`);
  makeFolder(cacheDir, `--cache-dir ${cacheDir}`);
  try {
    markOwnedFolder(cacheDir, 'cache');
  } catch (e) {
    throw new PathError(`--cache-dir ${cacheDir}: cannot write ${join(cacheDir, MARKERS.cache)}: ${describeFsError(e, cacheDir)}`);
  }
}

export function claimOutputs(out: string, cacheDir: string): ClaimedOutputs {
  checkOwnedFolder(out, 'results', `--out ${out}`);
  checkOwnedFolder(cacheDir, 'cache', `--cache-dir ${cacheDir}`);
  makeFolder(dirname(out), `--out ${out}`);
  claimCache(cacheDir);
  const lock = lockFolder(out, `--out ${out}`);
  try {
    return { lock, removed: [...removeLeftovers(out), ...removeCacheLeftovers(cacheDir)] };
  } catch (e) {
    lock.release();
    throw e;
  }
}
