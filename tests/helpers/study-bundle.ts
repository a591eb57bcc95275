/**
 * Small, schema-valid model results built in memory for the chart tests (never a
 * bundle on disk). Every object is parsed with the real zod schema, so a fixture
 * that drifts from the contract fails loudly instead of testing the wrong shape.
 */
import { encodePredictions, ModelResult, type ModelId } from '../../schema/results.ts';
import type { ChartInput } from '../../src/charts/common.ts';

export const CLASSES = ['AbdomenCT', 'BreastMRI', 'CXR', 'ChestCT', 'Hand', 'HeadCT'];

const NAMES: Record<ModelId, string> = {
  resnet50: 'ResNet50',
  'basic-cnn': 'Basic CNN',
  'tiny-cnn': 'TinyCNN',
  'reduced-filter-cnn': 'Reduced-Filter CNN',
  'gap-cnn': 'GAP CNN',
};

const COLOURS: Record<string, string> = { resnet50: '#D55E00', 'basic-cnn': '#0072B2', 'tiny-cnn': '#009E73', 'reduced-filter-cnn': '#E69F00', 'gap-cnn': '#CC79A7' };

export interface FixtureOptions {
  epochs?: number;
  params?: number;
  macs?: number;
  /** Correct predictions per class (of 10 test images per class). */
  correct?: number;
  layers?: { name: string; shape: [number, number, number] }[];
}

/** A model result whose numbers follow from the options (confusion, accuracy, F1 consistent). */
export function modelResult(id: ModelId, opts: FixtureOptions = {}): ModelResult {
  const epochs = opts.epochs ?? 3;
  const perClass = 10;
  const correct = opts.correct ?? 9;
  const k = CLASSES.length;
  // Each class loses (perClass - correct) images to the next class.
  const confusion = CLASSES.map((_, i) => CLASSES.map((_, j) => (j === i ? correct : j === (i + 1) % k ? perClass - correct : 0)));
  const accuracy = correct / perClass;
  const layers = opts.layers ?? [{ name: 'conv1', shape: [4, 4, 2] as [number, number, number] }];
  let offset = 0;
  const activationLayers = layers.map((l) => {
    const entry = { name: l.name, type: 'Conv2D', shape: l.shape, offset, min: 0, max: 1 };
    offset += k * l.shape[0] * l.shape[1] * l.shape[2];
    return entry;
  });
  return ModelResult.parse({
    schemaVersion: 1,
    id,
    role: id === 'resnet50' ? 'reference' : 'simplification',
    colour: COLOURS[id] ?? '#777777',
    name: NAMES[id],
    description: `${NAMES[id]} fixture`,
    inputsHash: 'a'.repeat(64),
    initialWeights: { kind: 'random', source: null },
    layers: [{ name: 'conv1', type: 'Conv2D', outputShape: [62, 62, 8], params: 80, macs: 1000 }],
    params: { total: opts.params ?? 1000, trainable: opts.params ?? 1000 },
    macs: opts.macs ?? 5000,
    weightBytes: 4 * (opts.params ?? 1000),
    training: {
      budget: { epochs, batchSize: 32, learningRate: 0.001, trainLimit: null, validationLimit: null, testLimit: null, timeLimitSeconds: null },
      backend: 'cpu',
      epochsCompleted: epochs,
      trainImages: 600,
      validationImages: 60,
      seconds: 12,
      stoppedEarly: null,
      history: Array.from({ length: epochs }, (_, e) => ({
        epoch: e + 1,
        trainLoss: 1 / (e + 1),
        trainAccuracy: 0.5 + 0.1 * e,
        valLoss: 1.1 / (e + 1),
        valAccuracy: 0.45 + 0.1 * e,
        seconds: 4,
        imagesPerSecond: 150,
      })),
    },
    evaluation: {
      testImages: perClass * k,
      accuracy,
      accuracyCI95: [Math.max(0, accuracy - 0.05), Math.min(1, accuracy + 0.04)],
      loss: 0.3,
      confusion,
      perClass: CLASSES.map((c) => ({ class: c, precision: accuracy, recall: accuracy, f1: accuracy, support: perClass })),
      macroF1: accuracy,
    },
    latency: { backend: 'cpu', batch1MsPerImage: 2, batch256MsPerImage: 0.5 },
    activations: { file: `activations/${id}.u8.gz`, sampleCount: k, layers: activationLayers },
    softmax: CLASSES.map((_, s) => CLASSES.map((_, j) => (j === s ? 0.95 : 0.01))),
    trainedAt: '2025-01-01T00:00:00Z',
  });
}

/** What the spec builders read: classes and models, and the audit's nearest-train histograms (nearest-train.ts). */
/** Two corruptions (one noise, one blur) on 12 test images, the model's errors growing with severity and its index. */
const CORRUPTIONS = {
  source: 'MedMNIST-C',
  parameters: 'OrganAMNIST',
  rescaling: '',
  list: [
    { id: 'gaussian-noise', name: 'Gaussian noise', family: 'noise' as const, params: [1, 2, 3, 4, 5] },
    { id: 'gaussian-blur', name: 'Gaussian blur', family: 'blur' as const, params: [1, 2, 3, 4, 5] },
  ],
};
function robustness(k: number): NonNullable<ModelResult['robustness']> {
  const labels = Array.from({ length: 12 }, (_, i) => i % CLASSES.length);
  const wrongFirst = (w: number) => encodePredictions(CLASSES.length, labels.map((l, i) => (i < w ? (l + 1) % CLASSES.length : l)));
  const be = (w: number) => Math.min(1, w / 12);
  return {
    images: 12,
    seed: 42,
    labels: encodePredictions(CLASSES.length, labels),
    clean: be(k % 2),
    cleanPredictions: wrongFirst(k % 2),
    corruptions: CORRUPTIONS.list.map((c, j) => ({ id: c.id, balancedError: [1, 2, 3, 4, 5].map((s) => be(Math.min(12, s + k + j))), predictions: [1, 2, 3, 4, 5].map((s) => wrongFirst(Math.min(12, s + k + j))) })),
  };
}

export function chartInput(models: ModelResult[]): ChartInput {
  const protocols = (['image', 'grouped'] as const).map((protocol, k) => ({ protocol, nearestTrainHistogram: Array.from({ length: 12 }, (_, i) => (i + 3 * k) % 5) }));
  const robust = models.map((m, k) => ({ ...m, robustness: m.robustness ?? robustness(k) }));
  return { manifest: { dataset: { classes: CLASSES }, audit: { histogramBinWidth: 0.5, threshold: 2.25 }, protocols, corruptions: CORRUPTIONS, baselines: [] } as ChartInput['manifest'], models: robust };
}
