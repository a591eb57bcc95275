/**
 * The analyses of a primary job (model-job.ts calls this once, with the trained model in
 * memory): rebuilds the control (the same network at its initial weights), measures both
 * (representations.ts) and frees the control.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { getModelSpec } from '../models/registry.ts';
import { loadImagenetWeights } from '../models/imagenet-weights.ts';
import type { ImageSet } from '../shared/tensors.ts';
import type { Reporter } from '../shared/progress.ts';
import type { ModelId } from '../../schema/results.ts';
import { analyseRepresentations, type AnalysedRepresentations, type AnalysisImages } from './representations.ts';

/** What of a model's job (run/job.ts: ModelJob) the analyses read. */
export interface AnalysisJob {
  id: ModelId;
  seeds: { init: number };
  classes: readonly string[];
  imageSize: number;
  imagenetWeights: { modelJson: string } | null;
  /** Null: not a primary run, nothing to measure. */
  analysis: AnalysisImages | null;
}

export async function runAnalyses(job: AnalysisJob, model: LayersModel, data: ImageSet, reporter: Reporter): Promise<AnalysedRepresentations | null> {
  if (!job.analysis) return null;
  const spec = getModelSpec(job.id);
  // The control: built again with the run's seed, so its weights are those training started from.
  const initial = spec.build({ seed: job.seeds.init, classes: job.classes.length, imageSize: job.imageSize });
  try {
    if (job.imagenetWeights) await loadImagenetWeights(initial, job.imagenetWeights.modelJson);
    const layers = spec.representationLayers(model);
    reporter.log(`${spec.name}: CKA and linear probes on ${layers.length} layers (${job.analysis.images.length} test images, probes trained on ${job.analysis.probeTrain.length}), trained and initial weights`);
    const out = await analyseRepresentations(model, initial, layers, data, job.analysis, job.imagenetWeights ? 'imagenet' : 'random');
    reporter.log(`${spec.name}: representation analyses took ${out.record.seconds.toFixed(1)} s`);
    return out;
  } finally {
    initial.dispose();
  }
}
