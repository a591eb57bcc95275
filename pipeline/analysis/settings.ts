/**
 * How many images the representation analyses (CKA, linear probes) use under each
 * profile. They run inside each model's primary job on the trained model (and on the same
 * network at its initial weights, the control), so their cost is forward passes: `images`
 * test images (the CKA minibatches and the probes' test set; the same stratified subset for
 * every model, so that models can be compared on them) and `probeTrain` training images for
 * the probes, each twice (trained and initial weights), and the probes' training, which
 * grows with probeTrain² (probes.ts). Measured on one wasm core of the 2-core build machine
 * (random images, cpu sizes): ResNet50 about 7 s per pass over the 256 test images and 13 s
 * over the 512 training images, its 19 probes about 11 s, so about a minute with the control;
 * a compact CNN about 15 s. Fewer images than the split are stated as reductions
 * (manifest.profile.reductions, kind 'analysis').
 */
import type { ProfileName, Reduction } from '../../schema/results.ts';

export interface AnalysisSizes {
  /** Test images (null: the whole test split). */
  images: number | null;
  /** Training images the probes learn from (null: the whole training split). */
  probeTrain: number | null;
  /** Images per CKA minibatch. */
  batch: number;
}

export const ANALYSIS_SIZES: Record<ProfileName, AnalysisSizes> = {
  smoke: { images: 16, probeTrain: 24, batch: 8 },
  cpu: { images: 256, probeTrain: 512, batch: 64 },
  full: { images: null, probeTrain: 2048, batch: 64 },
};

/**
 * The analyses' sizes under a profile; null where they are not run: smoke on a software
 * WebGPU adapter (SwiftShader), where ResNet50 infers about one image per second and smoke
 * checks only the training machinery (the manifest's 'software-adapter' reduction says so).
 */
export function analysisSizes(profile: ProfileName, softwareAdapter = false): AnalysisSizes | null {
  return profile === 'smoke' && softwareAdapter ? null : ANALYSIS_SIZES[profile];
}

/** Bump when the analyses' code changes what they store: primary runs are redone. */
export const ANALYSIS_VERSION = 1;

/** Seeds of the analysis subsets (derived from the run's --seed, apart from every training stream). */
export const analysisSeeds = (seed: number) => ({ images: seed * 7919 + 11, probeTrain: seed * 7919 + 13 });

/** The analyses' image counts that fall short of the splits, as reductions. */
export function analysisReductions(profile: ProfileName, sizes: { train: number; test: number }, softwareAdapter = false): Reduction[] {
  const s = analysisSizes(profile, softwareAdapter);
  const out: Reduction[] = [];
  if (!s) return out;
  if (s.images !== null && s.images < sizes.test) out.push({ kind: 'analysis', field: 'images', value: s.images, study: sizes.test });
  if (s.probeTrain !== null && s.probeTrain < sizes.train) out.push({ kind: 'analysis', field: 'probeTrain', value: s.probeTrain, study: sizes.train });
  return out;
}
