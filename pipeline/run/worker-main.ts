/** Entry point of a training child process (see workers.ts). */
import type { WorkerTask, WorkerMessage } from './workers.ts';
import type { Reporter } from '../shared/progress.ts';
import { readDatasetCache } from '../cache/datasets.ts';
import { selectBackend } from '../backend/select.ts';
import { runModelJob } from './model-job.ts';

const send = (m: WorkerMessage) => process.send?.(m);

/** Sends the last message, and exits once it has been handed to the parent. */
const finalMessage = (m: WorkerMessage, code: number) => {
  if (!process.send) process.exit(code);
  process.send(m, undefined, {}, () => process.exit(code));
};

let nextKey = 0;
const ipcReporter: Reporter = {
  log: (line) => send({ type: 'log', line }),
  warn: (line) => send({ type: 'warn', line }),
  task(label, total, unit) {
    const key = nextKey++;
    send({ type: 'task', key, label, total, unit });
    return {
      update: (done, fields) => send({ type: 'update', key, done, fields }),
      finish: (summary) => send({ type: 'finish', key, summary }),
    };
  },
};

// If the parent dies (killed, timed out), stop too rather than train unobserved; the
// last finished epoch is checkpointed, so the next run resumes from there. Polling the
// parent id, because the IPC 'disconnect' event does not arrive under tsx's loader.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 1000).unref();
process.on('disconnect', () => process.exit(1));

process.once('message', async ({ job, datasetFile, threads }: WorkerTask) => {
  try {
    // The parent has decoded the dataset into the cache and reported the data, split and
    // backend; the worker only loads them.
    const cached = await readDatasetCache(datasetFile);
    if (!cached) throw new Error(`the decoded dataset ${datasetFile} is missing (the parent wrote it); run again`);
    await selectBackend(job.backend, { threads });
    await runModelJob(job, { images: cached.images, labels: cached.labels, numClasses: cached.classes.length, imageSize: job.imageSize }, ipcReporter);
    finalMessage({ type: 'done' }, 0);
  } catch (e) {
    finalMessage({ type: 'error', message: `${job.id}: ${(e as Error).message ?? String(e)}` }, 1);
  }
});
