/**
 * Cross-model CKA, when the bundle is assembled: each model's layers against the reference
 * model's (role 'reference'), trained and at initial weights (the control), from the
 * kernels each model's primary run kept with its cached result (representations.ts). The
 * primary runs train in separate processes, so this is the first place all models meet.
 */
import type { ModelResult, Similarity } from '../../schema/results.ts';
import { ckaMatrix } from './cka.ts';
import { kernelsFromBytes } from './representations.ts';

export interface ModelKernels {
  result: ModelResult;
  /** The stored kernels (gzip), absent when the model was taken from a bundle without its cache entry. */
  representationKernels?: Uint8Array;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** Null when no model has the role 'reference', or the reference has no stored kernels. */
export function crossModelSimilarity(models: readonly ModelKernels[]): Similarity | null {
  const reference = models.find((m) => m.result.role === 'reference');
  const refRec = reference?.result.representations;
  if (!reference || !refRec || !reference.representationKernels) return null;
  const ref = kernelsFromBytes(reference.representationKernels, refRec).trained;
  const pairs: Similarity['pairs'] = [];
  const missing: Similarity['missing'] = [];
  for (const m of models) {
    if (m === reference) continue;
    const rec = m.result.representations;
    if (!rec || !m.representationKernels) {
      missing.push({ model: m.result.id, reason: 'no stored layer kernels (its result predates the analyses, or came from a bundle without its cache entry)' });
      continue;
    }
    if (rec.imagesKey !== refRec.imagesKey) {
      missing.push({ model: m.result.id, reason: 'measured on other test images than the reference' });
      continue;
    }
    const own = kernelsFromBytes(m.representationKernels, rec);
    pairs.push({ model: m.result.id, trained: ckaMatrix(own.trained, ref).map((r) => r.map(round)), initial: ckaMatrix(own.initial, ref).map((r) => r.map(round)) });
  }
  return { reference: reference.result.id, images: refRec.images, imagesKey: refRec.imagesKey, pairs, missing };
}

/** The manifest's `similarity` field, or nothing (no reference, or no kernels). */
export function similarityField(models: readonly ModelKernels[]): { similarity?: Similarity } {
  const similarity = crossModelSimilarity(models);
  return similarity ? { similarity } : {};
}
