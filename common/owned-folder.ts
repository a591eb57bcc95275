/**
 * The folders this project writes: the results bundle and the built site, which a run
 * replaces as a whole, and the cache folder, which a run writes into. Each carries a
 * marker file saying what wrote it, and a folder is only ever replaced or written into
 * when it is absent, empty, or holds that marker. Anything else (a folder of the user's,
 * a file) is a one-line PathError naming the path, and nothing there is touched.
 *
 * Shared by the pipeline (--out, --cache-dir) and the site build (dist/), hence in common/
 * (code both sides use that is not the results schema).
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from './user-error.ts';

export class PathError extends UserError {
  override name = 'PathError';
}

export type FolderKind = 'results' | 'site' | 'cache';

/** One marker file per kind; its presence is what "a folder this project wrote" means. */
export const MARKERS: Record<FolderKind, string> = {
  results: '.medical-mnist-results',
  site: '.medical-mnist-site',
  cache: '.medical-mnist-cache',
};

const WHAT: Record<FolderKind, string> = {
  results: 'a results bundle',
  site: 'a site built by this project',
  cache: "this project's cache",
};

/**
 * Folders written before markers existed, recognised by holding nothing but the files of
 * that layout (a results bundle must have its manifest): replacing one loses nothing.
 */
const LEGACY: Record<FolderKind, (entries: string[]) => boolean> = {
  results: (e) => e.includes('manifest.json') && e.every((n) => ['manifest.json', 'models', 'activations', 'samples.u8'].includes(n)),
  site: () => false,
  cache: (e) => e.every((n) => ['datasets', 'models'].includes(n)),
};

/** Virtual file systems (statfs f_type) that hold no user files: a path there is never a place to write. */
const VIRTUAL_FS: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x64626720: 'debugfs',
  0x73636673: 'securityfs',
};

/** The nearest part of `path` that exists (at worst the root). */
function nearestExisting(path: string): string {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/** The file system's name when `path` lies on a virtual one such as /proc, else null. */
export function virtualFs(path: string): string | null {
  try {
    return VIRTUAL_FS[statfsSync(nearestExisting(path)).type] ?? null;
  } catch {
    return null;
  }
}

/** What went wrong, in words: the real cause behind an errno (read-only, full disk, ...). */
export function describeFsError(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const fs = virtualFs(path);
  if (fs) return `${nearestExisting(path)} is on the virtual "${fs}" file system, which holds no files: choose a folder on a disk`;
  switch (code) {
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full (no space left on device)';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return `${nearestExisting(path)} is a file, not a folder`;
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ENOENT':
      return 'a folder on the way does not exist and could not be made';
    default:
      return String((e as Error)?.message ?? e).split('\n')[0]!;
  }
}

/**
 * mkdir -p, one level at a time. Node's own recursive mkdir retries for ever under /proc
 * (mkdir there fails with ENOENT although the parent exists), so a wrong --out would hang.
 */
export function makeFolder(dir: string, what = dir): void {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let p = target; !existsSync(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  const top = missing.length ? dirname(missing[0]!) : target;
  if (!statSync(top).isDirectory()) throw new PathError(`${what}: ${top} is a file, not a folder`);
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && statSync(p).isDirectory()) continue;
      throw new PathError(`${what}: cannot create ${p}: ${describeFsError(e, p)}`);
    }
  }
}

/**
 * Throws unless `dir` may be replaced by (or written into as) a folder of `kind`: it is
 * absent, an empty folder, or a folder holding `kind`'s marker. `what` names it for the user
 * (e.g. "--out results").
 */
export function checkOwnedFolder(dir: string, kind: FolderKind, what = dir): void {
  const target = resolve(dir);
  let st;
  try {
    st = lstatSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new PathError(`${what}: cannot read ${target}: ${describeFsError(e, target)}`);
  }
  if (!st.isDirectory())
    throw new PathError(`${what}: ${target} is ${st.isSymbolicLink() ? 'a symbolic link' : 'a file'}, not a folder; expected ${WHAT[kind]} or a new path (nothing was changed)`);
  let entries: string[];
  try {
    entries = readdirSync(target);
  } catch (e) {
    throw new PathError(`${what}: cannot read ${target}: ${describeFsError(e, target)}`);
  }
  if (entries.length === 0 || entries.includes(MARKERS[kind]) || LEGACY[kind](entries)) return;
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, … (${entries.length} entries)` : '');
  throw new PathError(
    `${what}: ${target} holds files that are not ${WHAT[kind]} (${shown}; no ${MARKERS[kind]} marker): move them away or choose another path (nothing was changed)`,
  );
}

/** Writes `kind`'s marker into `dir`, so later runs recognise the folder as theirs. */
export function markOwnedFolder(dir: string, kind: FolderKind): void {
  writeFileSync(join(dir, MARKERS[kind]), `Written by medical-mnist-report (${WHAT[kind]}); it may replace this folder as a whole.\n`);
}

/** Where a folder is staged before it replaces `target`: a hidden sibling named after this process. */
export function stagingFolder(target: string, tag: 'tmp' | 'old' | 'staging'): string {
  const t = resolve(target);
  return join(dirname(t), `.${basename(t)}.${tag}-${process.pid}`);
}

/** Whether a process with this pid runs on this machine (the stale rule for locks and leftovers). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Cleans up after runs that are no longer alive (killed while writing, or stopped by a
 * full disk): their staging folders beside `target` are removed; a previous `target` one
 * of them had moved aside and not yet replaced is put back. Returns what it did, for the log.
 */
export function removeLeftovers(target: string): string[] {
  const t = resolve(target);
  const pattern = new RegExp(`^\\.${basename(t).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old|staging)-(\\d+)$`);
  let names: string[];
  try {
    names = readdirSync(dirname(t));
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m || (Number(m[2]) !== process.pid && processAlive(Number(m[2])))) continue;
    const left = join(dirname(t), name);
    if (m[1] === 'old' && !existsSync(t)) {
      renameSync(left, t);
      done.push(`put back ${t} from ${left}`);
    } else {
      rmSync(left, { recursive: true, force: true });
      done.push(`removed ${left}`);
    }
  }
  return done;
}

/**
 * Puts the complete folder `staged` in place of `target` (absent, or checked by
 * checkOwnedFolder): the old one is moved aside, the new one renamed in, the old removed.
 * Renames within one folder, so at no moment is there a half-written `target`.
 */
export function replaceFolder(staged: string, target: string): void {
  const t = resolve(target);
  const old = stagingFolder(t, 'old');
  rmSync(old, { recursive: true, force: true });
  const hadOld = existsSync(t);
  if (hadOld) renameSync(t, old);
  try {
    renameSync(staged, t);
  } catch (e) {
    if (hadOld) renameSync(old, t);
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
}
