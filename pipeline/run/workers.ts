/**
 * Trains several models at once, one child process each. The wasm and cpu backends use
 * a single core, so on a 2-core machine two models side by side halve the wall time.
 * Each child receives its resolved job (job.ts) and the path of the decoded dataset in
 * the cache (read in a second), trains one model into the model cache, and streams its
 * progress to the parent, which draws it.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../common/user-error.ts';
import type { Reporter, TaskProgress } from '../shared/progress.ts';
import type { ModelJob } from './job.ts';

/** One or more models failed in their worker; the others' results are kept in the cache. */
export class TrainingError extends UserError {
  override name = 'TrainingError';
}

export interface WorkerTask {
  job: ModelJob;
  /** The decoded dataset's cache file (cache/datasets.ts), written by the parent. */
  datasetFile: string;
  /** wasm threads per worker. */
  threads?: number;
}

export type WorkerMessage =
  | { type: 'log' | 'warn'; line: string }
  | { type: 'task'; key: number; label: string; total: number; unit: string }
  | { type: 'update'; key: number; done: number; fields?: Record<string, string> }
  | { type: 'finish'; key: number; summary: string }
  | { type: 'done' }
  | { type: 'error'; message: string };

const WORKER = fileURLToPath(new URL('./worker-main.ts', import.meta.url));

function trainOne(task: WorkerTask, reporter: Reporter): Promise<string | null> {
  const { id } = task.job;
  return new Promise((resolvePromise) => {
    // execArgv carries tsx's loader, so the child runs TypeScript like the parent;
    // 'advanced' serialization sends the job's typed arrays as they are.
    const child = fork(WORKER, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
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
    child.send(task);
  });
}

/** Runs the tasks `parallel` at a time, in order; resolves with one message per failed model. */
export async function trainInWorkers(tasks: WorkerTask[], parallel: number, reporter: Reporter): Promise<string[]> {
  const queue = [...tasks];
  const failures: string[] = [];
  const lane = async () => {
    for (let task = queue.shift(); task; task = queue.shift()) {
      const failure = await trainOne(task, reporter);
      if (failure) failures.push(failure);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return failures;
}
