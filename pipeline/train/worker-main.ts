/** Entry point of a training child process (see workers.ts). */
import type { WorkerJob, WorkerMessage } from './workers.ts';
import { silentReporter, type Reporter } from './progress.ts';

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

process.once('message', async (job: WorkerJob) => {
  try {
    const { prepareRun, trainAndEvaluate } = await import('../run.ts');
    // The parent has already reported the data, split and backend; stay quiet until training.
    const prep = await prepareRun({ ...job.opts, reporter: silentReporter() });
    await trainAndEvaluate(job.id, prep, { ...job.opts, reporter: ipcReporter });
    finalMessage({ type: 'done' }, 0);
  } catch (e) {
    finalMessage({ type: 'error', message: `${job.id}: ${(e as Error).message ?? String(e)}` }, 1);
  }
});
