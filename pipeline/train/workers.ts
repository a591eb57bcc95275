/**
 * Trains several models at once, one child process each. The wasm and cpu backends use
 * a single core, so on a 2-core machine two models side by side halve the wall time.
 * Each child re-derives the data, split and backend from the same options (the decoded
 * dataset comes from the cache in a second), trains one model into the model store, and
 * streams its progress to the parent, which draws it.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ModelId } from '../../schema/results.ts';
import type { RunOptions } from '../run.ts';
import type { TaskProgress } from './progress.ts';

/** One or more models failed in their worker; the others' results are kept in the store. */
export class TrainingError extends Error {
  override name = 'TrainingError';
}

export type WorkerJob = { opts: Omit<RunOptions, 'reporter'>; id: ModelId };

export type WorkerMessage =
  | { type: 'log' | 'warn'; line: string }
  | { type: 'task'; key: number; label: string; total: number; unit: string }
  | { type: 'update'; key: number; done: number; fields?: Record<string, string> }
  | { type: 'finish'; key: number; summary: string }
  | { type: 'done' }
  | { type: 'error'; message: string };

const WORKER = fileURLToPath(new URL('./worker-main.ts', import.meta.url));

function trainOne(id: ModelId, opts: RunOptions): Promise<string | null> {
  const { reporter, ...plain } = opts;
  return new Promise((resolvePromise) => {
    // execArgv carries tsx's loader, so the child runs TypeScript like the parent.
    const child = fork(WORKER, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const tasks = new Map<number, TaskProgress>();
    let outcome: string | null = `${id}: training process ended without a result`;
    child.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'log': reporter.log(m.line); break;
        case 'warn': reporter.warn(m.line); break;
        case 'task': tasks.set(m.key, reporter.task(m.label, m.total, m.unit)); break;
        case 'update': tasks.get(m.key)?.update(m.done, m.fields); break;
        case 'finish': tasks.get(m.key)?.finish(m.summary); tasks.delete(m.key); break;
        case 'done': outcome = null; break;
        case 'error': outcome = m.message; break;
      }
    });
    child.on('exit', (code, signal) => {
      for (const t of tasks.values()) t.finish(`${id}: stopped`);
      if (outcome === null && code !== 0) outcome = `${id}: worker exited with ${signal ?? `code ${code}`}`;
      resolvePromise(outcome);
    });
    child.send({ opts: plain, id } satisfies WorkerJob);
  });
}

/** Runs the jobs `parallel` at a time; resolves with one message per failed model. */
export async function trainInWorkers(ids: ModelId[], parallel: number, opts: RunOptions): Promise<string[]> {
  const queue = [...ids];
  const failures: string[] = [];
  const lane = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      const failure = await trainOne(id, opts);
      if (failure) failures.push(failure);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return failures;
}
