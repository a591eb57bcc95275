/**
 * What the representation analyses (pipeline/analysis/; ModelResult.representations and
 * manifest.similarity) say about two of the study's claims, as facts and as sentences
 * worded from whichever way the numbers fall:
 *
 * - "small CNNs learn features comparable to those of much deeper networks, with
 *   consistent feature hierarchies": for each model, which reference layer each of its
 *   layers matches best by linear CKA, by how much, against the control (the model at its
 *   initial weights against the same trained reference layer), and whether the best
 *   matches run in depth order;
 * - "feature propagation shows spatial and semantic abstraction": at which depth a linear
 *   probe separates the classes, whether that rises with depth, against the control.
 */
import type { Manifest, ModelResult } from '../../schema/results.ts';
import { dec, list, pct, plural, pp, spell } from './format.ts';

/** A CKA difference smaller than this is "about the same". */
export const CKA_MARGIN = 0.05;
/** A probe-accuracy difference smaller than this (1 percentage point) is "about the same". */
export const PROBE_MARGIN = 0.01;

export interface LayerMatch {
  layer: string;
  /** The reference layer this layer matches best (highest CKA, trained). */
  reference: string;
  /** Its position among the reference's layers, 0 (first) to 1 (last). */
  referenceDepth: number;
  cka: number;
  /** CKA of the same pair with the model at its initial weights. */
  control: number;
}

export interface ModelSimilarity {
  id: string;
  name: string;
  matches: LayerMatch[];
  /** Share of consecutive layer pairs whose best matches do not move shallower (1: in depth order). */
  ordered: number;
}

export interface SimilarityFacts {
  reference: string;
  images: number;
  models: ModelSimilarity[];
  /** Names of the models left out, with why. */
  missing: string[];
}

export function similarityFacts(manifest: Pick<Manifest, 'similarity'>, models: readonly ModelResult[]): SimilarityFacts | null {
  const sim = manifest.similarity;
  if (!sim || sim.pairs.length === 0) return null;
  const ref = models.find((m) => m.id === sim.reference);
  const refLayers = ref?.representations?.layers;
  if (!ref || !refLayers) return null;
  const last = Math.max(1, refLayers.length - 1);
  const out: ModelSimilarity[] = [];
  for (const m of models) {
    const pair = sim.pairs.find((p) => p.model === m.id);
    const rep = m.representations;
    if (!pair || !rep) continue;
    const matches = rep.layers.map((l, i) => {
      const row = pair.trained[i]!;
      const j = row.indexOf(Math.max(...row));
      return { layer: l.name, reference: refLayers[j]!.name, referenceDepth: j / last, cka: row[j]!, control: pair.initial[i]![j]! };
    });
    let inOrder = 0;
    for (let i = 1; i < matches.length; i++) if (matches[i]!.referenceDepth >= matches[i - 1]!.referenceDepth) inOrder++;
    out.push({ id: m.id, name: m.name, matches, ordered: matches.length > 1 ? inOrder / (matches.length - 1) : 1 });
  }
  const missing = sim.missing.map((x) => models.find((m) => m.id === x.model)?.name ?? x.model);
  return { reference: ref.name, images: sim.images, models: out, missing };
}

/** "0.84 (0.64 at initial weights)" */
const withControl = (m: LayerMatch) => `${dec(m.cka, 2)} (${dec(m.control, 2)} at initial weights)`;

/** How training moved a match against its control, in words. */
function againstControl(m: LayerMatch): 'above' | 'below' | 'level' {
  return m.cka - m.control >= CKA_MARGIN ? 'above' : m.control - m.cka >= CKA_MARGIN ? 'below' : 'level';
}

/** One sentence per model: its first and last layers' best matches, with their controls. */
export function similarityModelSentence(s: ModelSimilarity, reference: string): string {
  const first = s.matches[0]!;
  const last = s.matches.at(-1)!;
  const head = `${s.name}’s first layer, ${first.layer}, is most similar to ${reference}’s ${first.reference} (CKA ${withControl(first)})`;
  if (s.matches.length === 1) return `${head}.`;
  return `${head}; its last, ${last.layer}, to ${last.reference} (${withControl(last)}).`;
}

/** The paragraph on similar features: method, images, per-model matches, and the verdict. */
export function similarityText(f: SimilarityFacts): string[] {
  const models = f.models;
  const intro =
    `Linear CKA compares two layers by the similarity structure of their responses to the same images (1: the same up to rotation and scale, 0: unrelated). ` +
    `Measured on ${f.images} test images, each compact network’s layers are compared with every layer of ${f.reference}, trained and, as a control, with the compact network at its initial weights.`;
  const per = models.map((m) => similarityModelSentence(m, f.reference));
  // The verdict: deepest layers, trained against control.
  const lasts = models.map((m) => ({ m, last: m.matches.at(-1)! }));
  const above = lasts.filter((x) => againstControl(x.last) === 'above').map((x) => x.m.name);
  const below = lasts.filter((x) => againstControl(x.last) === 'below').map((x) => x.m.name);
  const level = lasts.filter((x) => againstControl(x.last) === 'level').map((x) => x.m.name);
  const parts: string[] = [];
  if (above.length) parts.push(`training made the last layer of ${list(above)} more like ${f.reference} than the same network at its initial weights (by at least ${dec(CKA_MARGIN, 2)})`);
  if (level.length) parts.push(`for ${list(level)} the best match is within ${dec(CKA_MARGIN, 2)} of the control, so that resemblance owes as much to the architecture and the images as to training`);
  if (below.length) parts.push(`for ${list(below)} it is lower after training than at initial weights`);
  const verdict = parts.length ? `${parts.join('; ')}.` : '';
  const orderedAll = models.filter((m) => m.ordered === 1).map((m) => m.name);
  const hierarchy =
    orderedAll.length === models.length
      ? `In every compact network the best matches run in depth order: deeper layers match deeper ${f.reference} layers.`
      : orderedAll.length === 0
        ? `In no compact network do the best matches run strictly in depth order: a deeper layer sometimes matches a shallower ${f.reference} layer than the one before it.`
        : `The best matches run in depth order in ${list(orderedAll)}, not in ${list(models.filter((m) => m.ordered < 1).map((m) => m.name))}.`;
  const missing = f.missing.length ? ` ${list(f.missing)} could not be compared (no stored measurements on the same images).` : '';
  return [intro, per.join(' '), `${verdict.charAt(0).toUpperCase()}${verdict.slice(1)} ${hierarchy}${missing}`.trim()];
}

export interface ProbeFacts {
  id: string;
  name: string;
  layers: number;
  first: { layer: string; accuracy: number; control: number };
  last: { layer: string; accuracy: number; control: number };
  /** The first layer whose probe is within PROBE_MARGIN of the model's best probe. */
  separable: { layer: string; index: number; accuracy: number };
  testImages: number;
  trainImages: number;
}

export function probeFacts(models: readonly ModelResult[]): ProbeFacts[] {
  return models.flatMap((m) => {
    const rep = m.representations;
    if (!rep) return [];
    const acc = rep.probes.trained;
    const best = Math.max(...acc);
    const index = acc.findIndex((a) => a >= best - PROBE_MARGIN);
    const at = (i: number) => ({ layer: rep.layers[i]!.name, accuracy: acc[i]!, control: rep.probes.initial[i]! });
    return [
      {
        id: m.id,
        name: m.name,
        layers: rep.layers.length,
        first: at(0),
        last: at(acc.length - 1),
        separable: { layer: rep.layers[index]!.name, index, accuracy: acc[index]! },
        testImages: rep.probes.testImages,
        trainImages: rep.probes.trainImages,
      },
    ];
  });
}

type Trend = 'rises' | 'falls' | 'flat';
const trend = (p: ProbeFacts): Trend => (p.last.accuracy - p.first.accuracy >= PROBE_MARGIN ? 'rises' : p.first.accuracy - p.last.accuracy >= PROBE_MARGIN ? 'falls' : 'flat');
const learned = (p: ProbeFacts) => p.last.accuracy - p.last.control >= PROBE_MARGIN;

/** One sentence per model: probe accuracy from first to last layer, where it peaks, and the control. */
export function probeModelSentence(p: ProbeFacts): string {
  const t = trend(p);
  const path =
    t === 'rises'
      ? `rises from ${pct(p.first.accuracy)} on its first layer (${p.first.layer}) to ${pct(p.last.accuracy)} on its last (${p.last.layer})`
      : t === 'falls'
        ? `falls from ${pct(p.first.accuracy)} on its first layer (${p.first.layer}) to ${pct(p.last.accuracy)} on its last (${p.last.layer})`
        : `is about the same on its first layer (${p.first.layer}, ${pct(p.first.accuracy)}) as on its last (${p.last.layer}, ${pct(p.last.accuracy)})`;
  const where = p.separable.index === 0 ? 'already within 1 point of its best at the first layer' : `within 1 point of its best from ${p.separable.layer} (layer ${p.separable.index + 1} of ${p.layers}) on`;
  const control = learned(p)
    ? `above the ${pct(p.last.control)} of the same network at its initial weights`
    : `no better than the ${pct(p.last.control)} of the same network at its initial weights (${pp(p.last.accuracy - p.last.control)})`;
  return `${p.name}: probe accuracy ${path}, ${where}; at the last layer it is ${control}.`;
}

/** The paragraph on abstraction by depth, and its verdict. */
export function probesText(facts: readonly ProbeFacts[]): string[] {
  if (facts.length === 0) return [];
  const p0 = facts[0]!;
  const intro =
    `A linear probe is a linear softmax classifier trained on one layer’s features with the network frozen: its test accuracy says how linearly separable the classes are at that depth. ` +
    `Here each probe reads the layer’s globally average-pooled features, learns from ${p0.trainImages} training images and is scored on ${p0.testImages} test images; the control is the same network at its initial weights.`;
  const rising = facts.filter((p) => trend(p) === 'rises' && learned(p)).map((p) => p.name);
  const flatFirst = facts.filter((p) => p.separable.index === 0).map((p) => p.name);
  const untrained = facts.filter((p) => !learned(p)).map((p) => p.name);
  let verdict: string;
  if (rising.length === facts.length) verdict = `In every model the classes become more linearly separable with depth, and more than in the untrained network: the probes support abstraction by depth.`;
  else if (rising.length === 0)
    verdict =
      `In no model does probe accuracy both rise with depth and end above the untrained network’s, so these probes do not show abstraction by depth` +
      (flatFirst.length ? `: in ${list(flatFirst)} the classes are already linearly separable from the first layer’s pooled features.` : '.');
  else
    verdict =
      `Probe accuracy rises with depth and ends above the untrained network’s in ${list(rising)} (${spell(rising.length)} of ${spell(facts.length)} models), so abstraction by depth holds there` +
      (untrained.length ? `; in ${list(untrained)} the trained network’s last layer is no more separable than its initial weights’.` : '.');
  return [intro, facts.map(probeModelSentence).join(' '), verdict];
}

/** One-line verdicts for the conclusion: similar features and abstraction by depth. */
export function representationVerdicts(sim: SimilarityFacts | null, probes: readonly ProbeFacts[]): string[] {
  const out: string[] = [];
  if (sim && sim.models.length) {
    const above = sim.models.filter((m) => againstControl(m.matches.at(-1)!) === 'above').length;
    out.push(
      above === sim.models.length
        ? `Measured by CKA, every compact network’s last layer resembles a ${sim.reference} layer more than the untrained network does.`
        : `Measured by CKA, ${plural(above, 'compact network')} of ${sim.models.length} ${above === 1 ? 'has its' : 'have their'} last layer more like a ${sim.reference} layer than the untrained network does.`,
    );
  }
  if (probes.length) {
    const rising = probes.filter((p) => trend(p) === 'rises' && learned(p)).length;
    out.push(`Linear probes find the classes more separable with depth than at initial weights in ${rising} of ${probes.length} models.`);
  }
  return out;
}
