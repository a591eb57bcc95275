/**
 * The training loop: Adam, seeded shuffling, per-epoch validation and timing, a
 * checkpoint after every epoch, and resumption from the last one.
 *
 * A hand-written loop over `trainOnBatch` rather than `model.fit`, because fit offers
 * no way to restore optimizer state mid-run or to report images/s per batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import seedrandom from 'seedrandom';
import type { Budget, EpochRecord } from '../../schema/results.ts';
import { imageBatch, labelBatch, type ImageSet } from '../shared/tensors.ts';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { predictSubset } from '../shared/predict.ts';
import type { Reporter } from '../shared/progress.ts';

export interface TrainOptions {
  label: string;
  budget: Budget;
  data: ImageSet;
  /** The training images of each epoch (a reduced budget draws a different subset per epoch). */
  trainForEpoch: (epoch: number) => Int32Array;
  validation: Int32Array;
  seed: number;
  inputsHash: string;
  checkpointFile: string;
  reporter: Reporter;
  /**
   * The process's wall-clock limit (`--time-limit`): an epoch that would end after `at`
   * (ms since the epoch, estimated from the last epoch's time, else `firstEpochSeconds`)
   * is not started; training stops with TimeLimitReached, its checkpoint kept.
   */
  deadline?: { at: number; firstEpochSeconds: number } | null;
}

/** Words every time-limit stop carries, so a parent recognises it in a worker's message. */
export const TIME_LIMIT_WORDS = 'stopped for the --time-limit';

/** Training stopped at an epoch boundary before the process's time limit; the checkpoint is in the store. */
export class TimeLimitReached extends Error {
  override name = 'TimeLimitReached';
}

export interface TrainOutcome {
  epochsCompleted: number;
  seconds: number;
  history: EpochRecord[];
  stoppedEarly: string | null;
  resumedFromEpoch: number;
}

/** A seeded Fisher–Yates permutation of `indices`, different for every epoch. */
export function shuffled(indices: Int32Array, seed: string): Int32Array {
  const rng = seedrandom(seed);
  const out = Int32Array.from(indices);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Adam's settings besides the learning rate: tfjs's defaults, stated so the paper can print them (epsilon: the float32 backend epsilon). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;
/** The loss, as tfjs names it and as the paper writes it. */
export const LOSS = { tfjs: 'categoricalCrossentropy', text: 'categorical cross-entropy on the softmax output' } as const;
/** The training loop feeds every image as it is: no flips, crops, noise or other augmentation. */
export const AUGMENTATION = null;
/** The weights evaluated on the test split are those after the last epoch (no best-epoch checkpoint, no early stopping on validation). */
export const TESTED_CHECKPOINT = 'last-epoch' as const;

export function compileForTraining(model: LayersModel, budget: Budget): void {
  model.compile({ optimizer: tf.train.adam(budget.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon), loss: LOSS.tfjs, metrics: ['accuracy'] });
}

export async function trainModel(model: LayersModel, opts: TrainOptions): Promise<TrainOutcome> {
  const { budget, data, reporter } = opts;
  compileForTraining(model, budget);
  const resumed = await loadCheckpoint(opts.checkpointFile, opts.inputsHash, model, (line) => reporter.warn(`${opts.label}: ${line}`));
  const history: EpochRecord[] = resumed?.history ?? [];
  let seconds = resumed?.seconds ?? 0;
  const startEpoch = resumed?.epochsCompleted ?? 0;
  if (resumed) reporter.log(`${opts.label}: resuming after epoch ${startEpoch} of ${budget.epochs} (checkpoint ${opts.checkpointFile})`);

  let stoppedEarly: string | null = null;
  if (budget.timeLimitSeconds !== null && startEpoch > 0 && seconds >= budget.timeLimitSeconds)
    stoppedEarly = `time limit of ${budget.timeLimitSeconds} s reached after epoch ${startEpoch}`;

  for (let epoch = startEpoch + 1; epoch <= budget.epochs && !stoppedEarly; epoch++) {
    if (opts.deadline) {
      const need = history.length ? history[history.length - 1]!.seconds : opts.deadline.firstEpochSeconds;
      if (Date.now() + need * 1000 > opts.deadline.at)
        throw new TimeLimitReached(
          `${opts.label}: ${TIME_LIMIT_WORDS} before epoch ${epoch} of ${budget.epochs} (about ${Math.ceil(need)} s, ${Math.max(0, Math.round((opts.deadline.at - Date.now()) / 1000))} s left)` +
            (epoch > 1 ? `; checkpoint after epoch ${epoch - 1} kept in ${opts.checkpointFile}` : '; not started') + ': run again to resume',
        );
    }
    const order = shuffled(opts.trainForEpoch(epoch), `${opts.seed}:${opts.label}:epoch${epoch}`);
    const batches = Math.ceil(order.length / budget.batchSize);
    const task = reporter.task(`${opts.label} epoch ${epoch}/${budget.epochs}`, batches, 'batches');
    const t0 = performance.now();
    let lossSum = 0;
    let correctSum = 0;
    let seen = 0;
    for (let b = 0; b < batches; b++) {
      const from = b * budget.batchSize;
      const to = Math.min(order.length, from + budget.batchSize);
      const x = imageBatch(data, order, from, to);
      const y = labelBatch(data, order, from, to);
      const [loss, acc] = (await model.trainOnBatch(x, y)) as number[];
      tf.dispose([x, y]);
      if (!Number.isFinite(loss!)) throw new Error(`${opts.label}: training diverged (loss ${loss}) in epoch ${epoch}, batch ${b + 1}`);
      lossSum += loss! * (to - from);
      correctSum += acc! * (to - from);
      seen += to - from;
      const elapsed = (performance.now() - t0) / 1000;
      task.update(b + 1, { loss: (lossSum / seen).toFixed(4), acc: (correctSum / seen).toFixed(4), 'img/s': (seen / elapsed).toFixed(0) });
      // A turn for the event loop now and then: the parent process trains a baseline while
      // it watches its workers, whose messages and exits must not wait for a whole epoch.
      if (b % 16 === 15) await new Promise((r) => setImmediate(r));
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    const val = await predictSubset(model, data, opts.validation);
    const epochSeconds = (performance.now() - t0) / 1000;
    seconds += epochSeconds;
    const record: EpochRecord = {
      epoch,
      trainLoss: lossSum / seen,
      trainAccuracy: correctSum / seen,
      valLoss: val.loss,
      valAccuracy: val.accuracy,
      seconds: epochSeconds,
      imagesPerSecond: seen / trainSeconds,
    };
    history.push(record);
    task.finish(
      `${opts.label} epoch ${epoch}/${budget.epochs}: loss ${record.trainLoss.toFixed(4)} acc ${record.trainAccuracy.toFixed(4)} · ` +
        `val loss ${record.valLoss.toFixed(4)} val acc ${record.valAccuracy.toFixed(4)} · ${record.imagesPerSecond.toFixed(0)} img/s · ${epochSeconds.toFixed(0)} s`,
    );
    await saveCheckpoint(opts.checkpointFile, opts.inputsHash, model, { epochsCompleted: epoch, seconds, history });
    if (budget.timeLimitSeconds !== null && seconds >= budget.timeLimitSeconds && epoch < budget.epochs)
      stoppedEarly = `time limit of ${budget.timeLimitSeconds} s reached after epoch ${epoch}`;
  }
  return { epochsCompleted: history.length, seconds, history, stoppedEarly, resumedFromEpoch: startEpoch };
}
