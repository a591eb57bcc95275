/**
 * The run's reductions (manifest.profile.reductions: data) in words. The pipeline states
 * what was cut; this module alone phrases it, for the notice at the top and the appendix.
 */
import type { Manifest, Reduction } from '../../schema/results.ts';
import { int, plural } from './format.ts';

/** Who a reduction is about, by display name: a model's or a baseline's, else its id. */
function subjectName(manifest: Manifest, subject: string): string {
  const model = manifest.models.find((m) => m.id === subject);
  if (model) return model.name ?? subject;
  const baseline = manifest.baselines?.find((b) => b.id === subject);
  if (baseline) return `${baseline.name} baseline`;
  return subject === 'logistic-regression' ? 'Logistic-regression baseline' : subject;
}

/** What was cut, as a clause without its subject: "2 epochs instead of 10". */
export function reductionClause(r: Reduction): string {
  switch (r.kind) {
    case 'software-adapter':
      return 'trained on a software WebGPU adapter (a CPU emulating a GPU, far slower than wasm): the smoke budget is cut to a few dozen images per model, the browser export is chosen on each model’s validation subset and scored on its test subset rather than the whole splits, and inference is timed at batch 1 and 16, once each; the representation and corruption analyses are not run';
    case 'analysis':
      return r.field === 'images'
        ? `the representation analyses (CKA, linear probes) use a stratified subset of ${int(r.value)} of the ${int(r.study)} test images`
        : `the linear probes learn from a stratified subset of ${int(r.value)} of the ${int(r.study)} training images`;
    case 'seeds':
      return `${plural(r.value, 'seed')} per protocol instead of ${r.study}`;
    case 'random-init':
      return `starts from random weights because ${r.reason.replace(/\s*\([^)]*--[^)]*\)/g, '')}; the study fine-tuned ImageNet weights`;
    case 'budget':
      switch (r.field) {
        case 'epochs':
          return `${plural(r.value, 'epoch')} instead of ${r.study}`;
        case 'trainLimit':
          return `trained on ${int(r.value)} of the ${int(r.study ?? 0)} training images per epoch (a fresh stratified subset each epoch)`;
        case 'validationLimit':
          return `validated on ${int(r.value)} of the ${int(r.study ?? 0)} validation images after each epoch`;
        case 'testLimit':
          return `tested on a stratified subset of ${int(r.value)} of the ${int(r.study ?? 0)} test images`;
        case 'timeLimitSeconds':
          return `training stops after the epoch in which ${int(r.value)} s have passed`;
        case 'batchSize':
          return `batch size ${r.value} instead of ${r.study}`;
        case 'learningRate':
          return `learning rate ${r.value} instead of ${r.study}`;
      }
  }
}

/** Every reduction as a sentence, for the appendix: "TinyCNN: 2 epochs instead of 10." */
export function reductionSentences(manifest: Manifest): string[] {
  return manifest.profile.reductions.map((r) => {
    if (typeof r === 'string') return r;
    const clause = reductionClause(r);
    return 'subject' in r ? `${subjectName(manifest, r.subject)}: ${clause}.` : `${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`;
  });
}

/** The reductions grouped by who they are about (display name; '' for the whole run), in order. */
export function reductionsByModel(manifest: Manifest, opts: { omitRandomInit?: boolean } = {}): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of manifest.profile.reductions) {
    // A bundle written before reductions were data holds "<Model>: <what>" sentences.
    if (typeof r === 'string') {
      const m = /^([^:]+):\s*(.*?)\.?$/.exec(r.trim());
      if (opts.omitRandomInit && /random weights/i.test(r)) continue;
      out.set(m ? m[1]! : '', [...(out.get(m ? m[1]! : '') ?? []), m ? m[2]! : r]);
      continue;
    }
    if (opts.omitRandomInit && r.kind === 'random-init') continue;
    const who = 'subject' in r ? subjectName(manifest, r.subject) : '';
    out.set(who, [...(out.get(who) ?? []), reductionClause(r)]);
  }
  return out;
}
