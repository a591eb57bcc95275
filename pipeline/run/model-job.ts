/**
 * Runs one model's resolved job (see job.ts): build → train → evaluate on the test
 * images → record activations → time inference → save to the model cache. The same
 * function runs in the parent (one model at a time) and in a training worker.
 */
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { SCHEMA_VERSION, type ModelResult, type Run, type Saliency, type TrainingMethod } from '../../schema/results.ts';
import { activationsPath, browserModelPath, misclassifiedPath } from '../../schema/bundle.ts';
import { getModelSpec } from '../models/registry.ts';
import { layerTable, countMacs, weightBytes, paramCounts } from '../models/summary.ts';
import { loadImagenetWeights } from '../models/imagenet-weights.ts';
import { ADAM, AUGMENTATION, LOSS, TESTED_CHECKPOINT, trainModel } from '../train/train.ts';
import { preprocessingText } from '../shared/tensors.ts';
import { collectMisclassified } from '../evaluate/misclassified.ts';
import { removeCheckpoint } from '../train/checkpoint.ts';
import { evaluateRun } from '../evaluate/run-evaluation.ts';
import { recordActivations } from '../evaluate/activations.ts';
import { measureLatency } from '../evaluate/latency.ts';
import { SOFTWARE_ADAPTER_LATENCY } from '../profiles.ts';
import { saveRunToCache, saveToCache, type StoredModel } from '../cache/models.ts';
import { exportForBrowser, type BrowserExport } from '../export/tfjs-model.ts';
import { runAnalyses } from '../analysis/run-analyses.ts';
import { predictSubset } from '../shared/predict.ts';
import { modelRobustness } from '../analysis/robustness.ts';
import { modelSaliency } from '../analysis/saliency.ts';
import { firstConvLayer, firstFiltersRecord, readKernel } from '../analysis/filters.ts';
import type { ImageSet } from '../shared/tensors.ts';
import type { Reporter } from '../shared/progress.ts';
import { trainImagesOf, type ModelJob } from './job.ts';

/** What a job leaves: its run record, and for the primary run the model's full result. */
export interface JobOutcome {
  run: Run;
  stored: StoredModel | null;
}

export async function runModelJob(job: ModelJob, data: ImageSet, reporter: Reporter): Promise<JobOutcome> {
  const { id, budget, samples } = job;
  const spec = getModelSpec(id);
  // Non-primary runs say which protocol and seed they are in their progress lines.
  const label = job.primary ? spec.name : `${spec.name} (${job.protocol}, seed ${job.seed})`;
  const model = spec.build({ seed: job.seeds.init, classes: job.classes.length, imageSize: job.imageSize });
  let initialWeights: ModelResult['initialWeights'] = { kind: 'random', source: null };
  if (job.imagenetWeights) {
    const info = await loadImagenetWeights(model, job.imagenetWeights.modelJson);
    initialWeights = { kind: 'imagenet', source: job.imagenetWeights.source };
    reporter.log(`${spec.name}: ImageNet weights loaded into ${info.layersCopied} layers from ${job.imagenetWeights.source}`);
  }
  // The primary run keeps its first-layer filters as they start (random or ImageNet's) and as they end.
  const firstConv = job.primary ? firstConvLayer(model) : null;
  const initialFilters = firstConv ? await readKernel(firstConv) : null;
  const trainForEpoch = (epoch: number) => trainImagesOf(job, data.labels, epoch);
  const outcome = await trainModel(model, {
    label,
    budget,
    data,
    trainForEpoch,
    validation: job.validation,
    seed: job.seeds.shuffle,
    inputsHash: job.inputsHash,
    checkpointFile: job.checkpointFile,
    reporter,
    deadline: job.deadline,
  });

  const testSet = job.test;
  const evalTask = reporter.task(`${label} test`, testSet.length, 'images');
  const test = await predictSubset(model, data, testSet, { progress: evalTask });
  const evaluation = evaluateRun({ labels: test.labels, probs: test.probs, predicted: test.predicted, classes: job.classes, loss: test.loss });
  evalTask.finish(
    `${label} test: accuracy ${(test.accuracy * 100).toFixed(2)}% on ${testSet.length} images, macro AUC ${evaluation.macroAuc.toFixed(4)}, loss ${test.loss.toFixed(4)}`,
  );
  const training = {
    budget,
    epochsCompleted: outcome.epochsCompleted,
    trainImages: trainForEpoch(1).length,
    validationImages: job.validation.length,
    seconds: outcome.seconds,
    stoppedEarly: outcome.stoppedEarly,
    history: outcome.history,
  };
  const correct = evaluation.confusion.reduce((sum, row, i) => sum + row[i]!, 0);
  const run: Run = { protocol: job.protocol, seed: job.seed, inputsHash: job.inputsHash, training, evaluation };
  if (!job.primary) {
    model.dispose();
    tf.disposeVariables();
    saveRunToCache(job.cacheDir, id, run);
    removeCheckpoint(job.checkpointFile);
    return { run, stored: null };
  }

  const misclassified = collectMisclassified(test, testSet, job.testFiles, data, misclassifiedPath(id));
  const method: TrainingMethod = {
    optimizer: { name: 'Adam', learningRate: budget.learningRate, ...ADAM },
    loss: LOSS.text,
    // Read off the built model, so the paper prints the rates the layers actually have.
    dropout: model.layers
      .filter((l) => /Dropout$/.test(l.getClassName()))
      .map((l) => ({ layer: l.name, rate: Number((l.getConfig() as { rate?: number }).rate ?? (l as unknown as { rate: number }).rate) })),
    checkpoint: TESTED_CHECKPOINT,
    preprocessing: preprocessingText(job.imageSize),
    augmentation: AUGMENTATION,
  };

  const acts = await recordActivations(model, spec.activationLayers(model), data, samples);
  const robustness = job.robustness ? await modelRobustness(model, data, job.robustness.images, job.robustness.seed, spec.name, reporter) : null;
  let saliency: Saliency | null = null;
  if (job.robustness) {
    const t0 = performance.now();
    saliency = await modelSaliency(model, data, job.robustness.images.slice(0, job.robustness.saliency), samples, job.robustness.seed);
    reporter.log(
      'unavailable' in saliency
        ? `${spec.name}: no Grad-CAM (${saliency.unavailable})`
        : `${spec.name}: Grad-CAM on ${saliency.layer} (${saliency.height} × ${saliency.width}), deletion and insertion on ${saliency.deletion.length} test images in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  const analysed = await runAnalyses(job, model, data, reporter);
  reporter.log(`${spec.name}: timing inference on ${job.backend}`);
  const latency = await measureLatency(model, job.latency);

  // The paper's Try-it section runs the models whose files ask for it; their quantised export is chosen on the validation split, then scored once on the test split.
  let browser: BrowserExport | null = null;
  if (spec.browser) {
    reporter.log(`${spec.name}: exporting for the browser (encoding chosen on ${job.validationSplit.length} validation images)`);
    browser = await exportForBrowser(model, data, { validation: job.validationSplit, test: job.testSplit }, samples, {
      floatTestCorrect: testSet.length === job.testSplit.length ? correct : undefined,
      log: reporter.log,
    });
    reporter.log(`${spec.name}: browser export ${browser.record.encoding}, ${browser.record.weightBytes} bytes of weights`);
  }

  const result: ModelResult = {
    schemaVersion: SCHEMA_VERSION,
    id,
    name: spec.name,
    description: spec.description({ classes: job.classes.length, imageSize: job.imageSize }),
    role: spec.role,
    colour: spec.colour!,
    studyPick: spec.studyPick === true,
    inputsHash: job.inputsHash,
    initialWeights,
    layers: layerTable(model),
    params: paramCounts(model),
    macs: countMacs(model),
    weightBytes: weightBytes(model),
    training: { ...training, backend: job.backend, adapter: job.adapter, method },
    evaluation: {
      testImages: evaluation.testImages,
      accuracy: evaluation.accuracy,
      accuracyCI95: evaluation.accuracyCI95,
      loss: test.loss,
      confusion: evaluation.confusion,
      perClass: evaluation.perClass,
      macroF1: evaluation.macroF1,
      macroAuc: evaluation.macroAuc,
      perClassAuc: evaluation.perClassAuc,
      ece: evaluation.ece,
    },
    latency: { backend: job.backend, ...latency, ...(job.adapter?.software ? { note: SOFTWARE_ADAPTER_LATENCY.note } : {}) },
    activations: { file: activationsPath(id), sampleCount: samples.length, layers: acts.layers },
    softmax: acts.softmax,
    browser: browser ? { modelFile: browserModelPath(id), ...browser.record } : null,
    misclassified: misclassified.info,
    ...(robustness ? { robustness } : {}),
    ...(saliency ? { saliency } : {}),
    ...(firstConv && initialFilters ? { firstFilters: firstFiltersRecord(firstConv.name, initialFilters, await readKernel(firstConv), initialWeights.kind) } : {}),
    ...(analysed ? { representations: analysed.record } : {}),
    trainedAt: new Date().toISOString(),
  };
  model.dispose();
  tf.disposeVariables();
  const stored: StoredModel = { result, activationsGz: gzipSync(acts.bytes, { level: 9 }), browser: browser?.files ?? null, misclassified: misclassified.pixels, ...(analysed ? { representationKernels: analysed.kernelsGz } : {}) };
  saveToCache(job.cacheDir, stored);
  saveRunToCache(job.cacheDir, id, run);
  removeCheckpoint(job.checkpointFile);
  return { run, stored };
}
