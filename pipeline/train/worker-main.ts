/** Entry point of a training child process (see workers.ts). */
import type { WorkerJob, WorkerMessage } from './workers.ts';
import { silentReporter, type Reporter } from './progress.ts';

const send = (m: WorkerMessage) => process.send?.(m);

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

process.once('message', async (job: WorkerJob) => {
  try {
    const { prepareRun, trainAndEvaluate } = await import('../run.ts');
    // The parent has already reported the data, split and backend; stay quiet until training.
    const prep = await prepareRun({ ...job.opts, reporter: silentReporter() });
    await trainAndEvaluate(job.id, prep, { ...job.opts, reporter: ipcReporter });
    send({ type: 'done' });
  } catch (e) {
    send({ type: 'error', message: `${job.id}: ${(e as Error).message ?? String(e)}` });
  }
  process.disconnect?.();
});
