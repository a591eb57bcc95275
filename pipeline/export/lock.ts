/**
 * One pipeline run at a time per results folder. The lock is a file beside the folder
 * (`.results.lock` for `results/`; inside it would vanish with the rename that replaces
 * the bundle), created atomically (O_EXCL) and holding the holder's pid, host, start
 * time and command line, so that a second run stops with a line naming the holder.
 *
 * Stale-lock rule: a lock whose pid no longer runs on this host is stale (a run that was
 * killed) and is taken over; a lock from another host is never assumed stale, since its
 * pid cannot be checked from here (the message says which file to remove).
 *
 * Hand-written rather than proper-lockfile: that library's lock is an empty folder kept
 * fresh by touching it, which cannot say who holds it, and naming the holder is the point.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { describeFsError, PathError, processAlive } from '../../common/owned-folder.ts';

interface Holder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface Lock {
  file: string;
  release(): void;
}

export function lockFileFor(target: string): string {
  const t = resolve(target);
  return join(dirname(t), `.${basename(t)}.lock`);
}

function readHolder(file: string): Holder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Holder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}


/**
 * Takes the lock on `target` for this process, released on exit; throws a PathError
 * naming the holder when another live run has it. `what` names the folder for the user.
 */
export function lockFolder(target: string, what = target): Lock {
  const file = lockFileFor(target);
  const me: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: process.argv.slice(1).join(' ') };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new PathError(`${what}: cannot create the lock file ${file}: ${describeFsError(e, file)}`);
      const holder = readHolder(file);
      if (holder && holder.host !== me.host)
        throw new PathError(`${what}: locked by pid ${holder.pid} on ${holder.host} since ${holder.startedAt} (${file}); if no run is going on there, remove that file`);
      if (holder && holder.pid !== me.pid && processAlive(holder.pid))
        throw new PathError(`${what}: another pipeline run is writing to it (pid ${holder.pid}, since ${holder.startedAt}: ${holder.command}); wait for it to finish or stop it`);
      // Stale (its process is gone) or unreadable (a run killed while writing it): move it
      // aside under a name of our own, so that of two runs taking it over only one succeeds.
      const aside = `${file}.stale-${process.pid}`;
      try {
        renameSync(file, aside);
        const moved = readHolder(aside);
        // Between our read and the rename another run may have taken it over: give it back.
        if (moved && moved.pid !== holder?.pid && processAlive(moved.pid)) linkSync(aside, file);
      } catch {
        // another run moved it first; look again
      }
      rmSync(aside, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me) + '\n');
    } finally {
      closeSync(fd);
    }
    const release = () => {
      if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
      process.off('exit', release);
    };
    process.on('exit', release);
    return { file, release };
  }
  throw new PathError(`${what}: could not take the lock ${file}: other runs keep taking it`);
}
