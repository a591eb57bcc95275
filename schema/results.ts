/**
 * The results bundle: the one contract between the pipeline (which writes it) and
 * the paper (which reads it). Both sides import this module; nothing else defines
 * the shape of `results/`.
 *
 * Layout of a bundle directory:
 *   manifest.json              Manifest: the run as a whole
 *   models/<model-id>.json     ModelResult: one per model
 *   activations/<model-id>.u8.gz  gzip of uint8 feature maps, indexed by ModelResult.activations
 *   samples.u8                 the activation sample images, uint8, samples × 64 × 64
 *   browser/<model-id>/model.json, weights.bin   the compact CNNs in the tfjs layers format
 *                              (weights quantised as ModelResult.browser says), for the paper's Try-it section
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1;

/**
 * Model ids are data: whatever model files the pipeline found (pipeline/models/zoo/).
 * The pattern keeps them safe as file names and page anchors.
 */
export const MODEL_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const ModelId = z.string().regex(MODEL_ID_PATTERN, 'a model id: lowercase letters, digits and hyphens');
export type ModelId = z.infer<typeof ModelId>;

/** A model's part in the study: the network the others are measured against, one of the study's simplifications, or a model the user added. */
export const MODEL_ROLES = ['reference', 'simplification', 'added'] as const;
export const ModelRole = z.enum(MODEL_ROLES);
export type ModelRole = z.infer<typeof ModelRole>;

/** Square grayscale images of this many pixels a side, from the smallest the models' pooling survives to the largest a 2-core machine trains in reasonable time. */
export const MIN_IMAGE_SIZE = 16;
export const MAX_IMAGE_SIZE = 256;

export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export const BackendName = z.enum(BACKENDS);
export type BackendName = z.infer<typeof BackendName>;

export const PROFILES = ['smoke', 'cpu', 'full'] as const;
export const ProfileName = z.enum(PROFILES);
export type ProfileName = z.infer<typeof ProfileName>;

const int = z.number().int();
const count = z.number().int().nonnegative();
const probability = z.number().min(0).max(1);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');
const isoTime = z.iso.datetime({ offset: true });

/** What one model is given to train with under a profile. */
export const Budget = z.object({
  epochs: int.positive(),
  batchSize: int.positive(),
  learningRate: z.number().positive(),
  /** At most this many training images per epoch (a seeded, stratified subset, drawn anew each epoch); null = the whole train split. */
  trainLimit: int.positive().nullable(),
  /** At most this many validation images evaluated per epoch; null = the whole validation split. */
  validationLimit: int.positive().nullable(),
  /** At most this many test images evaluated (a seeded, stratified subset); null = the whole test split. */
  testLimit: int.positive().nullable(),
  /** Training stops after the epoch in which this many seconds have passed; null = no limit. */
  timeLimitSeconds: z.number().positive().nullable(),
});
export type Budget = z.infer<typeof Budget>;

/** A field of Budget that a profile can set below the study's. */
export const BUDGET_FIELDS = ['epochs', 'trainLimit', 'validationLimit', 'testLimit', 'timeLimitSeconds', 'batchSize', 'learningRate'] as const;

/**
 * One way a run falls short of the study's budget, as data (the paper phrases it).
 * `subject`: a model id or a baseline id. For the image limits, `study` is the split size
 * it is a part of; for time limits it is null (the study had none).
 */
export const Reduction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('budget'), subject: z.string(), field: z.enum(BUDGET_FIELDS), value: z.number(), study: z.number().nullable() }),
  z.object({ kind: z.literal('seeds'), subject: z.string(), value: int.positive(), study: int.positive() }),
  /** A model meant to start from ImageNet weights started from random ones; `reason` says why. */
  z.object({ kind: z.literal('random-init'), subject: z.string(), reason: z.string() }),
  /** Trained on a software WebGPU adapter: the smoke budget cut to a few dozen images, the export judged on the test subset, latency at batch 1 and 16. */
  z.object({ kind: z.literal('software-adapter') }),
  /**
   * The representation analyses (CKA, linear probes) on fewer images than the split:
   * `images` test images of `study`, or the probes trained on `probeTrain` training images of `study`.
   */
  z.object({ kind: z.literal('analysis'), field: z.enum(['images', 'probeTrain']), value: int.positive(), study: int.positive() }),
]);
export type Reduction = z.infer<typeof Reduction>;

export const Profile = z.object({
  name: ProfileName,
  description: z.string(),
  /** The study's own budget for comparison, stated once: what `full` means. */
  studyBudget: z.string(),
  budgets: z.record(ModelId, Budget),
  /** Every way this run falls short of the full study; empty for `full`. (Bundles written before they were data hold one sentence each.) */
  reductions: z.array(z.union([Reduction, z.string()])),
  /** Training runs per model and protocol, each with its own initialisation and shuffling seed. */
  seeds: z.record(ModelId, int.positive()).optional(),
  /** The logistic-regression baseline's budget. */
  logisticRegression: Budget.optional(),
});
export type Profile = z.infer<typeof Profile>;

export const SkippedFile = z.object({ file: z.string(), reason: z.string() });
/** An image converted on the way in, and how, e.g. "resized from 128×128; colour to grayscale". */
export const ConvertedFile = z.object({ file: z.string(), conversion: z.string() });

/**
 * The dataset's descriptor (pipeline/data/descriptor.ts): what the data is, as its
 * authors name it, and what size the models see. A dataset without a descriptor is named
 * after its folder or archive, cites nothing, and trains at its images' most common size.
 */
export const DatasetInfo = z.object({
  name: z.string().min(1),
  /** Where to find it (its home page or repository), or null. */
  url: z.string().nullable(),
  /** How to cite it, as one reference entry, or null. */
  citation: z.string().nullable(),
  /** Its licence or terms of reuse as its authors state them, or null when none is stated. */
  licence: z.string().nullable(),
  /** What one image shows, as a plural noun phrase for the paper ("kinds of medical scan"), or null. */
  kinds: z.string().nullable(),
  /** Where the descriptor came from: a file, the built-in one matched by fingerprint, or none. */
  descriptor: z.string().nullable(),
  /** How the image size was chosen, as data: from the descriptor, or the most common size in the data. */
  imageSizeFrom: z.enum(['descriptor', 'data']),
  /** How the class order was chosen: the descriptor's list, or the folder names sorted by code point. */
  classOrderFrom: z.enum(['descriptor', 'sorted']),
});
export type DatasetInfo = z.infer<typeof DatasetInfo>;

/** What a bundle written before descriptors were recorded says of its data: nothing beyond the numbers. */
const UNDESCRIBED: DatasetInfo = { name: 'the dataset', url: null, citation: null, licence: null, kinds: null, descriptor: null, imageSizeFrom: 'data', classOrderFrom: 'sorted' };

export const Dataset = z.object({
  /** Where the images were read from, as given (path or URL). */
  source: z.string(),
  info: DatasetInfo.default(UNDESCRIBED),
  /** Side of the square grayscale images the models see (every image is resized to it); bundles written before it was recorded were all 64. */
  imageSize: int.min(MIN_IMAGE_SIZE).max(MAX_IMAGE_SIZE).default(64),
  channels: z.literal(1).default(1),
  /** SHA-256 over sorted `<Class>/<file> <sha256>\n` lines: independent of archive layout. */
  fingerprint: sha256,
  classes: z.array(z.string()).min(2),
  /** Images used per class, in `classes` order. */
  counts: z.array(count),
  total: count,
  /** Hidden files, folders such as __MACOSX/, and non-image files that were passed over. */
  ignored: z.object({ hidden: count, nonImage: count }),
  /** Undecodable, truncated or empty images: skipped, each named. */
  skipped: z.array(SkippedFile),
  /** Images converted on the way in. */
  converted: z.object({
    resized: count,
    colour: count,
    /** Each converted image by name (optional: bundles written before it was recorded lack it). */
    files: z.array(ConvertedFile).optional(),
  }),
  /** Groups of byte-identical images (kept together in one split) and the files in them. */
  duplicates: z.object({
    groups: count,
    files: count,
    /** Groups of byte-identical images filed under different classes, each as its `<Class>/<file>` names (optional, as above). */
    crossClass: z.array(z.array(z.string())).optional(),
  }),
});
export type Dataset = z.infer<typeof Dataset>;

export const Split = z.object({
  seed: int,
  ratios: z.object({ train: probability, validation: probability, test: probability }),
  sizes: z.object({ train: count, validation: count, test: count }),
  /** Per-class counts in `dataset.classes` order. */
  perClass: z.object({ train: z.array(count), validation: z.array(count), test: z.array(count) }),
});
export type Split = z.infer<typeof Split>;

/** The WebGPU adapter a `webgpu` run used, as the adapter reports itself (GPUAdapterInfo). */
export const GpuAdapter = z.object({
  vendor: z.string(),
  architecture: z.string(),
  device: z.string(),
  description: z.string(),
  /** A software (CPU) implementation such as SwiftShader, not a GPU. */
  software: z.boolean(),
});
export type GpuAdapter = z.infer<typeof GpuAdapter>;

/**
 * Evaluation protocols. `image`: the split above, per image (byte-identical files kept
 * together). `grouped`: whole near-duplicate clusters dealt to the splits (see Audit), so no
 * validation or test image has a training image within the audit's threshold.
 */
export const PROTOCOLS = ['image', 'grouped'] as const;
export const Protocol = z.enum(PROTOCOLS);
export type Protocol = z.infer<typeof Protocol>;

/** Per class, the validation or test images with a training image within the near-duplicate threshold. */
export const LeakageByClass = z.object({
  class: z.string(),
  images: count,
  withNearCopyInTrain: count,
  /** Median RMSE (grey levels, 16×16 pooled) to the nearest training image. */
  medianNearestTrain: z.number().nonnegative(),
});

/** What bundles written before protocols carried their names call them (legacy reading only; the pipeline writes the names). */
const LEGACY_PROTOCOL_NAMES: Record<Protocol, { name: string; clause: string }> = {
  image: { name: 'per-image split', clause: 'one per image' },
  grouped: { name: 'grouped split', clause: 'one that keeps near-duplicate images together' },
};

/** One protocol's split: its sizes, and how close its held-out images are to training images. */
const ProtocolSplitFields = z.object({
  protocol: Protocol,
  /** The paper's name for it, lowercase ("grouped split"). */
  name: z.string().min(1),
  /** What sets it apart, as a clause after "seeded splits (…)": "one that keeps near-duplicate images together". */
  clause: z.string().min(1),
  description: z.string(),
  split: Split,
  leakage: z.object({ validation: z.array(LeakageByClass), test: z.array(LeakageByClass) }),
  /** RMSE to the nearest training image of every test image, in the order of the test split's indices (splits.json), 2 decimals. */
  nearestTrainDistance: z.array(z.number().nonnegative()),
  /** Counts of nearestTrainDistance in bins of Audit.histogramBinWidth (last bin: everything beyond). */
  nearestTrainHistogram: z.array(count),
});
export const ProtocolSplit = z.preprocess((v) => {
  const p = v as { protocol?: Protocol; name?: string; clause?: string } | null;
  return p && typeof p === 'object' && p.protocol && p.name === undefined && LEGACY_PROTOCOL_NAMES[p.protocol] ? { ...LEGACY_PROTOCOL_NAMES[p.protocol], ...p } : v;
}, ProtocolSplitFields);
export type ProtocolSplit = z.infer<typeof ProtocolSplitFields>;

/** A pair of images from the audit, for the figures: indices into splits.json's file list. */
export const AuditPair = z.object({
  a: count,
  b: count,
  distance: z.number().nonnegative(),
  /** Byte offset in audit.u8 of image a (image b follows it). */
  offset: count,
});

/** The near-duplicate audit over every pair of images (see pipeline/data/audit.ts). */
export const Audit = z.object({
  /** The representation and distance, one sentence. */
  representation: z.string(),
  neighboursKept: int.positive(),
  /** Seconds the all-pairs computation took (when first computed; cached per dataset fingerprint after that). */
  seconds: z.number().nonnegative(),
  cacheHit: z.boolean(),
  /** Near-duplicate threshold, RMSE in grey levels (0–255). */
  threshold: z.number().nonnegative(),
  /** How the threshold was chosen, one sentence. */
  thresholdRule: z.string(),
  maxClusterShare: probability,
  /** Largest cluster share per class and images with a neighbour within, at each candidate threshold. */
  thresholdCurve: z.array(z.object({ threshold: z.number().nonnegative(), largestClusterShare: z.array(probability), withNeighbour: z.array(count) })),
  histogramBinWidth: z.number().positive(),
  /** Per class, counts of each image's distance to its nearest other image, in bins of histogramBinWidth. */
  nearestNeighbourHistogram: z.array(z.array(count)),
  /** Images whose nearest other image has another label. */
  nearestInOtherClass: count,
  clusters: z.object({
    count: count,
    /** Images with more neighbours within the threshold than the table keeps (searched exhaustively). */
    saturated: count,
    sizeBins: z.array(z.string()),
    perClass: z.array(
      z.object({
        class: z.string(),
        images: count,
        clusters: count,
        imagesInNearDuplicateClusters: count,
        largestCluster: count,
        sizeHistogram: z.array(count),
        mixedClusters: count,
      }),
    ),
  }),
  /** Image pairs for the figures, pixels in audit.u8 (64×64 uint8 each): pairs just below and just above the threshold, and per protocol test images beside their nearest training image. */
  figures: z.object({
    file: z.literal('audit.u8'),
    belowThreshold: z.array(AuditPair),
    aboveThreshold: z.array(AuditPair),
    nearestTrain: z.partialRecord(Protocol, z.array(AuditPair)),
  }),
});
export type Audit = z.infer<typeof Audit>;

/** Mean, sample standard deviation (n − 1), min and max over seeds. */
export const SeedSummary = z.object({ n: int.positive(), mean: z.number(), std: z.number().nonnegative(), min: z.number(), max: z.number() });
export type SeedSummary = z.infer<typeof SeedSummary>;

/** Test-split metrics of one run (a model or a baseline, one protocol, one seed). */
export const RunEvaluation = z.object({
  testImages: count.positive(),
  accuracy: probability,
  /** Wilson score 95% interval. */
  accuracyCI95: z.tuple([probability, probability]),
  loss: z.number().nonnegative().nullable(),
  confusion: z.array(z.array(count)),
  perClass: z.array(z.object({ class: z.string(), precision: probability, recall: probability, f1: probability, support: count })),
  macroF1: probability,
  /** Macro one-vs-rest ROC AUC over the classes present. */
  macroAuc: probability,
  perClassAuc: z.array(probability.nullable()),
  /** Expected calibration error (15 bins, top-label confidence). */
  ece: probability,
  /**
   * Predicted class of every test image of the protocol's split, in the split's index order
   * (for paired tests): one digit per image where the classes are at most 10, else an array
   * of class indices. Read it with decodePredictions.
   */
  predictions: z.union([z.string().regex(/^[0-9]*$/), z.array(count)]),
});
export type RunEvaluation = z.infer<typeof RunEvaluation>;

/**
 * Where a run was made (added with sharded runs; absent in older bundles and for baselines):
 * the backend, the machine (its host name's hash, so machines can be told apart without
 * naming them, its CPU and cores), and the shard of the plan it was trained in, if any.
 */
export const RunProvenance = z.object({
  backend: BackendName,
  /** The WebGPU adapter's description, else null. */
  adapter: z.string().nullable(),
  /** First 8 hex digits of the sha256 of the machine's host name. */
  machine: z.string(),
  cpu: z.string(),
  cores: count,
  /** `K/N` when trained by `run --shard K/N`, else null. */
  shard: z.string().nullable(),
  /** The plan's hash (first 16 hex digits) for a shard, else null. */
  plan: z.string().nullable(),
  finishedAt: z.string(),
});
export type RunProvenance = z.infer<typeof RunProvenance>;

/** One training run of a model or baseline: one protocol, one seed. */
export const Run = z.object({
  protocol: Protocol,
  seed: int,
  inputsHash: sha256,
  /**
   * Baselines: accuracy on the protocol's validation split (the tested k-NN's at its chosen k,
   * logistic regression's after its last epoch), by which the best baseline is chosen, so that
   * no choice is made on test images. Absent for models and in bundles written before it.
   */
  validationAccuracy: probability.optional(),
  /** null for baselines without training (nearest neighbours, majority class). */
  training: z
    .object({
      budget: z.lazy(() => Budget),
      epochsCompleted: count,
      trainImages: count,
      validationImages: count,
      seconds: z.number().nonnegative(),
      stoppedEarly: z.string().nullable(),
      history: z.array(z.lazy(() => EpochRecord)),
    })
    .nullable(),
  evaluation: RunEvaluation,
  provenance: RunProvenance.optional(),
});
export type Run = z.infer<typeof Run>;

/** Per protocol: accuracy, macro AUC and macro-F1 over seeds. */
export const ProtocolSummary = z.object({ accuracy: SeedSummary, macroAuc: SeedSummary, macroF1: SeedSummary });
export type ProtocolSummary = z.infer<typeof ProtocolSummary>;

export const BASELINE_IDS = ['majority-class', 'nearest-neighbour', 'k-nearest-neighbours', 'logistic-regression'] as const;
export const BaselineId = z.enum(BASELINE_IDS);
export type BaselineId = z.infer<typeof BaselineId>;

/** A reference method evaluated like the models: same splits, same metrics. */
/**
 * Robustness to realistic corruptions (pipeline/analysis/): balanced error (1 − balanced
 * accuracy) on the same test images, clean and under each of MedMNIST-C's corruptions at
 * severities 1–5 (manifest.corruptions names them). Absent in bundles written before it was measured.
 */
export const Robustness = z.object({
  /** Test images corrupted: a class-balanced seeded subset of the primary protocol's test split, the same for every method of a run. */
  images: count.positive(),
  seed: int,
  /** The images' classes, in order (encoded like RunEvaluation.predictions). */
  labels: z.union([z.string().regex(/^[0-9]*$/), z.array(count)]),
  clean: probability,
  /** The predicted class of each image, clean. */
  cleanPredictions: z.union([z.string().regex(/^[0-9]*$/), z.array(count)]),
  /** Per corruption, balanced error and the predictions at severities 1–5 (what the paper's intervals resample). */
  corruptions: z.array(
    z.object({
      id: z.string(),
      balancedError: z.array(probability).length(5),
      predictions: z.array(z.union([z.string().regex(/^[0-9]*$/), z.array(count)])).length(5),
    }),
  ),
});
export type Robustness = z.infer<typeof Robustness>;

/**
 * Grad-CAM (from the logits, inference mode) on the last spatial layer, scored by deletion and
 * insertion (Petsiuk et al. 2018) against a seeded random pixel order (pipeline/analysis/saliency.ts);
 * or why the model's head could not be read. Absent in bundles written before it was measured.
 */
export const Saliency = z.union([
  z.object({
    layer: z.string(),
    height: count.positive(),
    width: count.positive(),
    /** Deletion and insertion steps per curve. */
    steps: count.positive(),
    /** Per test image (the first of the robustness images): areas under the predicted class's probability curve. */
    deletion: z.array(probability).min(1),
    insertion: z.array(probability).min(1),
    randomDeletion: z.array(probability).min(1),
    randomInsertion: z.array(probability).min(1),
    /** Grad-CAM of each activation sample (manifest.samples), height × width values 0–255. */
    sampleMaps: z.array(z.array(int.min(0).max(255))),
  }),
  z.object({ unavailable: z.string() }),
]);
export type Saliency = z.infer<typeof Saliency>;

/**
 * The first trainable convolution wider than 1 × 1 (pipeline/analysis/filters.ts): its kernel,
 * h × w × in × out row-major, at the initial weights training started from and after training.
 * Absent in bundles written before it was kept.
 */
export const FirstFilters = z.object({
  layer: z.string(),
  shape: z.tuple([count.positive(), count.positive(), count.positive(), count.positive()]),
  initialWeights: z.enum(['random', 'imagenet']),
  initial: z.array(z.number()),
  trained: z.array(z.number()),
});
export type FirstFilters = z.infer<typeof FirstFilters>;

/** The corruptions a run applied: MedMNIST-C's, how their parameters were carried to this image size. */
export const Corruptions = z.object({
  source: z.string(),
  /** The MedMNIST-C dataset whose parameters are used. */
  parameters: z.string(),
  rescaling: z.string(),
  list: z.array(z.object({ id: z.string(), name: z.string(), family: z.enum(['noise', 'blur', 'digital', 'intensity']), params: z.array(z.number()).length(5) })).min(1),
});
export type Corruptions = z.infer<typeof Corruptions>;

export const Baseline = z.object({
  id: BaselineId,
  name: z.string(),
  description: z.string(),
  /** What it costs, stated honestly: stored numbers and work per test image. */
  cost: z.object({
    /** Numbers the method keeps to classify (weights, or the stored training images' features). */
    storedNumbers: count,
    /** Multiply-accumulates per classified image (for nearest neighbours: one distance to every stored image). */
    macs: count,
    note: z.string(),
  }),
  /** k-NN: validation accuracy of each k tried, per protocol; the chosen k is the best. */
  kSelection: z.partialRecord(Protocol, z.array(z.object({ k: int.positive(), accuracy: probability }))).nullable(),
  /**
   * k-NN: the k used on each protocol's test images, chosen on its validation images alone
   * (the smallest k among the most accurate in kSelection). Absent for the other baselines
   * and in bundles written before it was stated (then the best of kSelection).
   */
  chosenK: z.partialRecord(Protocol, int.positive()).optional(),
  runs: z.array(Run).min(1),
  summary: z.partialRecord(Protocol, ProtocolSummary),
  /** Under corruptions, on the primary protocol (the first seed's run); absent where not measured. */
  robustness: Robustness.optional(),
});
export type Baseline = z.infer<typeof Baseline>;

/** McNemar's exact test between two methods on the same test images of one protocol, per seed. */
export const Comparison = z.object({
  protocol: Protocol,
  a: z.string(),
  b: z.string(),
  perSeed: z.array(z.object({ seedA: int, seedB: int, onlyA: count, onlyB: count, p: probability })),
});
export type Comparison = z.infer<typeof Comparison>;

export const Environment = z.object({
  backend: BackendName,
  /** The WebGPU adapter on the webgpu backend, else null (absent in bundles written before it existed). */
  adapter: GpuAdapter.nullable().default(null),
  /** Why each better backend was not used (empty when the best one loaded). */
  backendNotes: z.array(z.string()),
  /** Library and runtime versions, e.g. node, @tensorflow/tfjs-core. */
  versions: z.record(z.string(), z.string()),
  platform: z.string(),
  cpu: z.string(),
  cpuCount: int.positive(),
});
export type Environment = z.infer<typeof Environment>;

export const Samples = z.object({
  file: z.literal('samples.u8'),
  /** Indices into the test split. */
  testIndices: z.array(count).min(1),
  /** True class of each sample (index into dataset.classes). */
  labels: z.array(count).min(1),
  /** Source file of each sample, `<Class>/<file>`. */
  files: z.array(z.string()).min(1),
});

export const ModelEntry = z.object({
  id: ModelId,
  /** Name, role, colour and the study's pick (absent in bundles written before them: the model file's record then stands). */
  name: z.string().optional(),
  role: ModelRole.optional(),
  /** #rrggbb: the model's colour in every chart. */
  colour: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
  /** The study named this model the best balance of accuracy, efficiency and generalisation. */
  studyPick: z.boolean().optional(),
  file: z.string(),
  /** Whether this run trained the model, or reused a result whose inputs were unchanged. */
  status: z.enum(['trained', 'reused']),
});

/**
 * Linear CKA between each model's layers and the reference model's (role 'reference'),
 * computed when the bundle is assembled from the kernels each model's primary run kept
 * (the same test images and minibatches: Representations.imagesKey).
 */
export const Similarity = z.object({
  /** The reference model's id; its layers are the columns. */
  reference: ModelId,
  images: int.positive(),
  imagesKey: sha256,
  pairs: z.array(
    z.object({
      model: ModelId,
      /** model layers × reference layers, both trained. */
      trained: z.array(z.array(z.number())),
      /** The control: the model at its initial weights against the trained reference. */
      initial: z.array(z.array(z.number())),
    }),
  ),
  /** Models left out, each with why (no stored kernels, other images). */
  missing: z.array(z.object({ model: ModelId, reason: z.string() })),
});
export type Similarity = z.infer<typeof Similarity>;

export const Manifest = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  profile: Profile,
  seed: int,
  dataset: Dataset,
  split: Split,
  environment: Environment,
  git: z.object({ commit: z.string().nullable(), dirty: z.boolean().nullable() }),
  startedAt: isoTime,
  finishedAt: isoTime,
  samples: Samples,
  models: z.array(ModelEntry).min(1),
  /** Seeds each model was trained with (the first is the primary run: the per-model fields above and in models/<id>.json). */
  seeds: z.array(int).min(1).optional(),
  /** Both evaluation protocols' splits; membership per image in splits.json. */
  protocols: z.array(ProtocolSplit).optional(),
  audit: Audit.optional(),
  baselines: z.array(Baseline).optional(),
  /** McNemar tests: every pair of models, and every model against the best baseline, per protocol. */
  comparisons: z.array(Comparison).optional(),
  /**
   * Per protocol, the baseline with the highest mean validation accuracy (Run.validationAccuracy; in bundles
   * written before it, the highest mean test accuracy): the one the comparisons test every model against.
   */
  bestBaselines: z.partialRecord(Protocol, BaselineId).optional(),
  /** The corruptions behind each method's `robustness` (absent before they were measured). */
  corruptions: Corruptions.optional(),
  /** Cross-model CKA: every other model's layers against the reference model's (absent without a reference or before it was measured). */
  similarity: Similarity.optional(),
});
export type Manifest = z.infer<typeof Manifest>;

export const LayerRow = z.object({
  name: z.string(),
  /** tfjs-layers class name, e.g. Conv2D. */
  type: z.string(),
  /** Output shape without the batch dimension. */
  outputShape: z.array(int.positive()),
  params: count,
  /** Multiply-accumulates for one image through this layer. */
  macs: count,
});
export type LayerRow = z.infer<typeof LayerRow>;

export const EpochRecord = z.object({
  epoch: int.positive(),
  trainLoss: z.number().nonnegative(),
  trainAccuracy: probability,
  valLoss: z.number().nonnegative(),
  valAccuracy: probability,
  seconds: z.number().nonnegative(),
  imagesPerSecond: z.number().nonnegative(),
});
export type EpochRecord = z.infer<typeof EpochRecord>;

export const ClassMetrics = z.object({
  class: z.string(),
  precision: probability,
  recall: probability,
  f1: probability,
  support: count,
});

export const ActivationLayer = z.object({
  name: z.string(),
  type: z.string(),
  /** [height, width, channels] of one sample's map. */
  shape: z.tuple([int.positive(), int.positive(), int.positive()]),
  /** Byte offset in the decompressed file; the layer occupies samples × channels × height × width bytes, in that order. */
  offset: count,
  /** uint8 v stands for min + v / 255 × (max − min) (per-layer scale over all samples). */
  min: z.number(),
  max: z.number(),
});
export type ActivationLayer = z.infer<typeof ActivationLayer>;

/** How a model's weights are stored in its browser export (tfjs io's weight manifest). */
export const WEIGHT_ENCODINGS = ['uint8', 'uint16', 'float16', 'float32'] as const;
export const WeightEncoding = z.enum(WEIGHT_ENCODINGS);
export type WeightEncoding = z.infer<typeof WeightEncoding>;

/**
 * A uint8 encoding made more compressible (pipeline/export/quantise.ts): in each tensor holding
 * at least a quarter of the model's weights, the codes lie on every `step`-th uint8 code
 * counted from the code of 0, and the `prune` fraction smallest in magnitude are 0.
 */
export const Coarsening = z.object({ step: int.positive(), prune: z.number().min(0).max(1) });
export type Coarsening = z.infer<typeof Coarsening>;

/**
 * A model exported for the browser (tfjs layers format), with its weights in the smallest
 * encoding whose accuracy is within `tolerance` of the float model's on the images that
 * `selection` names (validation images; absent in bundles written before issue #21: the
 * test images). `floatAccuracy` and `accuracy` are measured after the choice, on the same
 * `testImages` test images.
 */
export const BrowserModel = z.object({
  /** Bundle-relative path of model.json; its weight file (weights.bin) lies beside it. */
  modelFile: z.string(),
  encoding: WeightEncoding,
  /** Size of the weight file. */
  weightBytes: count,
  testImages: count.positive(),
  /** Test accuracy of the float32 model on those images. */
  floatAccuracy: probability,
  /** Test accuracy of the chosen export (dequantised) on the same images: measured once, after the choice. */
  accuracy: probability,
  /** Largest allowed accuracy drop, as a fraction (0.0005 = 0.05 percentage points). */
  tolerance: z.number().nonnegative(),
  /**
   * Where the encoding was chosen: `images` validation images, on which the float model scored
   * `floatAccuracy`; the candidates' accuracies are on them. Absent in bundles written before
   * it was added, whose encodings were chosen on the test images (candidates: test accuracy).
   */
  selection: z.object({ split: z.literal('validation'), images: count.positive(), floatAccuracy: probability }).optional(),
  /** Every encoding tried, in the order tried, with its weight bytes and accuracy on the selection images (see `selection`; float32 is the float model itself). */
  candidates: z.array(z.object({ encoding: WeightEncoding, weightBytes: count, accuracy: probability, coarsening: Coarsening.optional(), gzipBytes: count.optional() })).min(1),
  /** uint8 only: how the codes of the largest tensors were made more compressible (absent: plain). */
  coarsening: Coarsening.optional(),
  /** gzip (level 9) size of the weight file: what the page downloads. */
  gzipBytes: count.optional(),
  /**
   * Softmax of the exported model on the activation samples (rows follow manifest.samples), as
   * the pipeline computed it: what the browser must reproduce from samples.u8.
   */
  softmax: z.array(z.array(probability)),
});
export type BrowserModel = z.infer<typeof BrowserModel>;

/**
 * Test images the model got wrong, for the paper's confusion-matrix click-through:
 * at most `perCell` per (true, predicted) cell, in test-split order, each with the
 * model's softmax; their pixels in `file` (images × 64 × 64 uint8, in `images` order).
 */
export const Misclassified = z.object({
  file: z.string(),
  /** Test errors in all (the images listed are fewer when a cell has more than `perCell`). */
  total: count,
  perCell: int.positive(),
  images: z.array(
    z.object({
      /** Position among the model's test images (the test split, or its stratified subset under a testLimit), in evaluation order. */
      testIndex: count,
      /** Source file, `<Class>/<file>`. */
      file: z.string(),
      actual: count,
      predicted: count,
      softmax: z.array(probability),
    }),
  ),
});
export type Misclassified = z.infer<typeof Misclassified>;

/**
 * What a model's layers represent (pipeline/analysis/), measured in its primary run on the
 * trained model and, as a control, on the same network at its initial weights. Features
 * are each representation layer's output averaged over its spatial positions (one value per
 * channel). Absent in bundles written before it was measured.
 */
export const Representations = z.object({
  pooling: z.literal('global-average'),
  /** The representation layers, in forward order (the rows and columns of the matrices below). */
  layers: z.array(z.object({ name: z.string(), type: z.string(), channels: int.positive() })).min(1),
  /** Test images measured: a stratified seeded subset of the primary protocol's test split, the same for every model of the run. */
  images: int.positive(),
  /** Images in each CKA minibatch, in order. */
  minibatches: z.array(int.positive()).min(1),
  /** sha256 of the images and minibatch size: models are compared with each other only on the same images. */
  imagesKey: sha256,
  /** The control's weights: the initial weights training started from (random, seeded; or ImageNet's). */
  control: z.enum(['random', 'imagenet']),
  /**
   * Linear CKA (Kornblith et al. 2019) between every pair of layers (layers × layers), with the
   * unbiased minibatch HSIC estimator (Nguyen, Raghu & Kornblith 2021): HSIC averaged over the
   * minibatches, then the ratio. `trained`: the trained model; `initial`: the control.
   */
  cka: z.object({ trained: z.array(z.array(z.number())), initial: z.array(z.array(z.number())) }),
  /**
   * Linear probes (Alain & Bengio 2016), one per layer: test accuracy of a linear softmax
   * classifier on the layer's pooled features, trained on `trainImages` training images and
   * scored on the `testImages` test images above; `trained` and `initial` as for CKA;
   * `trainedTrainAccuracy`: the trained model's probes on their own training images.
   */
  probes: z.object({
    method: z.string(),
    trainImages: int.positive(),
    testImages: int.positive(),
    trained: z.array(probability),
    initial: z.array(probability),
    trainedTrainAccuracy: z.array(probability),
  }),
  /** Time the analyses took in the primary run. */
  seconds: z.number().nonnegative(),
});
export type Representations = z.infer<typeof Representations>;

/** How a model was trained, recorded from the pipeline's own training code (see pipeline/train/). */
export const TrainingMethod = z.object({
  optimizer: z.object({
    name: z.string(),
    learningRate: z.number().positive(),
    beta1: z.number(),
    beta2: z.number(),
    epsilon: z.number(),
  }),
  /** The loss minimised, e.g. "categorical cross-entropy". */
  loss: z.string(),
  /** Dropout layers in forward order with their rates (empty when the model has none). */
  dropout: z.array(z.object({ layer: z.string(), rate: probability })),
  /** Which weights the test split evaluates. */
  checkpoint: z.enum(['last-epoch', 'best-validation']),
  /** What is done to each image before it enters the network. */
  preprocessing: z.string(),
  /** Training-time augmentation, or null for none. */
  augmentation: z.string().nullable(),
});
export type TrainingMethod = z.infer<typeof TrainingMethod>;

const ModelResultFields = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: ModelId,
  name: z.string(),
  description: z.string(),
  /** The model's part in the study and its colour, from its descriptor at the time the bundle was written (manifest.models lists the same). */
  role: ModelRole,
  colour: z.string().regex(/^#[0-9a-fA-F]{6}$/),
  studyPick: z.boolean().default(false),
  /** Hash of everything that determines training: definition, budget, data fingerprint, split, seed. */
  inputsHash: sha256,
  initialWeights: z.object({ kind: z.enum(['random', 'imagenet']), source: z.string().nullable() }),
  layers: z.array(LayerRow).min(1),
  params: z.object({ total: count, trainable: count }),
  /** Multiply-accumulates per image (forward pass); FLOPs ≈ 2 × MACs. */
  macs: count,
  weightBytes: count,
  training: z.object({
    budget: Budget,
    /** The backend, and on webgpu the adapter, this model was trained on (a reused model keeps the run that trained it). */
    backend: BackendName,
    adapter: GpuAdapter.nullable().default(null),
    epochsCompleted: count,
    /** Training images per epoch (with budget.trainLimit, a different stratified subset each epoch). */
    trainImages: count,
    validationImages: count,
    seconds: z.number().nonnegative(),
    /** Why training stopped before budget.epochs, or null. */
    stoppedEarly: z.string().nullable(),
    history: z.array(EpochRecord),
    /** Optimiser, loss, dropout, checkpoint, preprocessing (absent in bundles written before it was recorded). */
    method: TrainingMethod.optional(),
  }),
  evaluation: z.object({
    testImages: count.positive(),
    accuracy: probability,
    /** Wilson score 95% interval. */
    accuracyCI95: z.tuple([probability, probability]),
    loss: z.number().nonnegative(),
    /** rows = true class, columns = predicted class, in dataset.classes order. */
    confusion: z.array(z.array(count)),
    perClass: z.array(ClassMetrics),
    macroF1: probability,
    macroAuc: probability.optional(),
    perClassAuc: z.array(probability.nullable()).optional(),
    ece: probability.optional(),
  }),
  latency: z.object({
    backend: BackendName,
    batch1MsPerImage: z.number().positive(),
    /** ms per image at batch 256, or at `largeBatch` where that is given. */
    batch256MsPerImage: z.number().positive(),
    /** The large batch actually timed, when not 256 (a software WebGPU adapter times a smaller one). */
    largeBatch: int.positive().optional(),
    /** Why these figures are not comparable to a GPU's or the CPU backends' (a software adapter); absent otherwise. */
    note: z.string().optional(),
  }),
  activations: z.object({
    file: z.string(),
    sampleCount: int.positive(),
    layers: z.array(ActivationLayer).min(1),
  }),
  /** Softmax output per activation sample (rows follow manifest.samples). */
  softmax: z.array(z.array(probability)),
  /** The browser export (compact CNNs only; null for ResNet50, and in bundles written before it existed). */
  browser: BrowserModel.nullable().default(null),

  /** Misclassified test images (absent in bundles written before it was added). */
  misclassified: Misclassified.optional(),
  /** The primary run's balanced error under corruptions (absent where not measured). */
  robustness: Robustness.optional(),
  saliency: Saliency.optional(),
  firstFilters: FirstFilters.optional(),
  /** CKA between its layers and linear probes by depth, with their initial-weights control (absent in bundles written before it was measured). */
  representations: Representations.optional(),
  trainedAt: isoTime,
  /** Every run: both protocols × every seed (the primary run, image protocol and first seed, included). */
  runs: z.array(Run).optional(),
  summary: z.partialRecord(Protocol, ProtocolSummary).optional(),
});

/**
 * Bundles written before model files declared roles and colours (schema version 1 without
 * them) were all the study's five models: their roles and colours are those models' files'.
 * A migration of old files, not a rule: new bundles always carry both.
 */
const LEGACY_MODELS: Record<string, { role: ModelRole; colour: string; studyPick?: boolean }> = {
  resnet50: { role: 'reference', colour: '#D55E00' },
  'basic-cnn': { role: 'simplification', colour: '#0072B2' },
  'tiny-cnn': { role: 'simplification', colour: '#009E73' },
  'reduced-filter-cnn': { role: 'simplification', colour: '#E69F00' },
  'gap-cnn': { role: 'simplification', colour: '#CC79A7', studyPick: true },
};

export const ModelResult = z.preprocess((raw) => {
  if (!raw || typeof raw !== 'object' || 'role' in raw) return raw;
  const legacy = LEGACY_MODELS[String((raw as { id?: unknown }).id)] ?? { role: 'added', colour: '#777777' };
  return { ...legacy, ...(raw as object) };
}, ModelResultFields);

export type ModelResult = z.infer<typeof ModelResultFields>;

/**
 * splits.json: which image is in which split under each protocol, so any number can be
 * recomputed. `files` are `<Class>/<file>` in the dataset's order (every index in the
 * bundle points into it); `membership[protocol]` has one letter per file: r = train,
 * v = validation, t = test; `cluster` is each file's near-duplicate cluster (audit).
 */
export const SplitsFile = z.object({
  files: z.array(z.string()).min(1),
  membership: z.record(Protocol, z.string().regex(/^[rvt]*$/)),
  cluster: z.array(count),
});
export type SplitsFile = z.infer<typeof SplitsFile>;

/** A run's predictions as class indices (RunEvaluation.predictions in either form). */
export function decodePredictions(p: RunEvaluation['predictions']): number[] {
  return typeof p === 'string' ? Array.from(p, (ch) => ch.charCodeAt(0) - 48) : p;
}

/** The stored form of predictions: digits while every class fits in one, else the indices themselves. */
export function encodePredictions(classes: number, predicted: ArrayLike<number>): RunEvaluation['predictions'] {
  return classes <= 10 ? Array.from(predicted, (k) => String(k)).join('') : Array.from(predicted);
}
