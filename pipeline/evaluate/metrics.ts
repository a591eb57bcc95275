/**
 * Classification metrics on the held-out test split. Pure functions of label and
 * prediction indices; no tfjs.
 *
 * Undefined ratios are 0, as scikit-learn's `zero_division=0`: precision of a class never
 * predicted, recall of a class absent from the labels, and F1 when precision + recall = 0.
 * Macro-F1 is the unweighted mean of every class's F1, absent or never-predicted classes
 * included, so a class the model ignores pulls it down.
 */

export interface ClassMetrics {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  /** Test images whose true class this is. */
  support: number;
}

/** counts[true][predicted]. */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses: number): number[][] {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`numClasses: expected a positive integer, got ${numClasses}`);
  if (labels.length !== predictions.length) {
    throw new Error(`confusionMatrix: ${labels.length} labels but ${predictions.length} predictions; expected one prediction per label`);
  }
  const matrix = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const truth = checkedClass(labels[i], numClasses, `label ${i}`);
    const predicted = checkedClass(predictions[i], numClasses, `prediction ${i}`);
    matrix[truth][predicted] += 1;
  }
  return matrix;
}

export function perClassMetrics(confusion: number[][], classes: readonly string[]): ClassMetrics[] {
  checkSquare(confusion, classes.length);
  return classes.map((name, k) => {
    const truePositives = confusion[k][k];
    const support = confusion[k].reduce((sum, n) => sum + n, 0);
    const predicted = confusion.reduce((sum, row) => sum + row[k], 0);
    const precision = ratio(truePositives, predicted);
    const recall = ratio(truePositives, support);
    const f1 = ratio(2 * precision * recall, precision + recall);
    return { class: name, precision, recall, f1, support };
  });
}

export function macroF1(perClass: readonly ClassMetrics[]): number {
  if (perClass.length === 0) throw new Error('macroF1: expected at least one class');
  return perClass.reduce((sum, c) => sum + c.f1, 0) / perClass.length;
}

export function accuracy(labels: ArrayLike<number>, predictions: ArrayLike<number>): number {
  if (labels.length !== predictions.length) {
    throw new Error(`accuracy: ${labels.length} labels but ${predictions.length} predictions; expected one prediction per label`);
  }
  if (labels.length === 0) throw new Error('accuracy: expected at least one label');
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predictions[i]) correct++;
  return correct / labels.length;
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927), without continuity
 * correction: unlike the normal approximation it stays inside [0, 1] and is sound near
 * 100% accuracy, where these models are.
 */
export function wilsonInterval(successes: number, n: number, z = 1.96): [number, number] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`wilsonInterval: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new Error(`wilsonInterval: successes must be an integer in [0, ${n}], got ${successes}`);
  }
  if (!(z > 0)) throw new Error(`wilsonInterval: z must be positive, got ${z}`);
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const halfWidth = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Clamp away rounding (e.g. -1e-17 at p = 0) so the bounds are valid probabilities.
  return [Math.max(0, centre - halfWidth), Math.min(1, centre + halfWidth)];
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function checkedClass(value: number, numClasses: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= numClasses) {
    throw new Error(`${what}: expected a class index in [0, ${numClasses - 1}], got ${value}`);
  }
  return value;
}

function checkSquare(confusion: number[][], size: number): void {
  if (confusion.length !== size || confusion.some((row) => row.length !== size)) {
    throw new Error(`confusion matrix: expected ${size}×${size} to match ${size} classes`);
  }
}

/**
 * One-vs-rest ROC AUC of each class from softmax rows (`probs`, n × numClasses): the
 * probability that a random image of the class scores higher for it than a random image
 * of another class, ties counting half (the Mann–Whitney statistic, as scikit-learn's
 * roc_auc_score). null for a class with no positive or no negative image.
 */
export function perClassAuc(labels: ArrayLike<number>, probs: ArrayLike<number>, numClasses: number): (number | null)[] {
  const n = labels.length;
  if (probs.length !== n * numClasses) throw new Error(`AUC: ${probs.length} scores for ${n} labels × ${numClasses} classes`);
  const order = Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: numClasses }, (_, c) => {
    const score = (i: number) => probs[i * numClasses + c]!;
    order.sort((a, b) => score(a) - score(b));
    let positives = 0;
    let rankSum = 0;
    // Average ranks (1-based) over runs of tied scores.
    for (let start = 0; start < n; ) {
      let end = start;
      while (end + 1 < n && score(order[end + 1]!) === score(order[start]!)) end++;
      const rank = (start + end) / 2 + 1;
      for (let p = start; p <= end; p++) {
        if (labels[order[p]!] === c) {
          positives++;
          rankSum += rank;
        }
      }
      start = end + 1;
    }
    const negatives = n - positives;
    if (positives === 0 || negatives === 0) return null;
    return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
  });
}

/** Macro one-vs-rest ROC AUC: the unweighted mean over the classes where it is defined. */
export function macroAuc(perClass: readonly (number | null)[]): number {
  const defined = perClass.filter((x): x is number => x !== null);
  if (!defined.length) throw new Error('macro AUC: no class has both positive and negative images');
  return defined.reduce((a, b) => a + b, 0) / defined.length;
}

/**
 * Expected calibration error of the top-label confidence (Guo et al. 2017): images
 * binned by their highest softmax value into `bins` equal-width bins, and the
 * |accuracy − mean confidence| of each bin weighted by its share of images.
 */
export function expectedCalibrationError(labels: ArrayLike<number>, probs: ArrayLike<number>, numClasses: number, bins = 15): number {
  const n = labels.length;
  if (n === 0) throw new Error('ECE: expected at least one image');
  const count = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (probs[i * numClasses + k]! > probs[i * numClasses + best]!) best = k;
    const p = probs[i * numClasses + best]!;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]!++;
    confidence[b]! += p;
    if (best === labels[i]) correct[b]!++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b]) ece += Math.abs(correct[b]! - confidence[b]!) / n;
  return ece;
}

export interface McNemarResult {
  /** Images the first model gets right and the second wrong. */
  onlyFirst: number;
  /** Images the second model gets right and the first wrong. */
  onlySecond: number;
  /** Two-sided exact p-value: twice the binomial(onlyFirst + onlySecond, ½) tail of the smaller count, at most 1. */
  p: number;
}

/**
 * McNemar's exact test on paired predictions of the same images: under the null
 * hypothesis that both models are equally accurate, each discordant image is equally
 * likely to favour either model.
 */
export function mcnemarExact(labels: ArrayLike<number>, first: ArrayLike<number>, second: ArrayLike<number>): McNemarResult {
  if (first.length !== labels.length || second.length !== labels.length)
    throw new Error(`McNemar: ${labels.length} labels but ${first.length} and ${second.length} predictions; expected the same images`);
  let onlyFirst = 0;
  let onlySecond = 0;
  for (let i = 0; i < labels.length; i++) {
    const a = first[i] === labels[i];
    const b = second[i] === labels[i];
    if (a && !b) onlyFirst++;
    else if (b && !a) onlySecond++;
  }
  return { onlyFirst, onlySecond, p: mcnemarP(onlyFirst, onlySecond) };
}

/** Two-sided exact McNemar p-value from the discordant counts b and c. */
export function mcnemarP(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const m = Math.min(b, c);
  // Binomial(n, ½) lower tail up to m, in logs so that n in the thousands does not underflow.
  let logTerm = -n * Math.LN2; // log C(n, 0) / 2^n
  let logSum = logTerm;
  for (let i = 0; i < m; i++) {
    logTerm += Math.log(n - i) - Math.log(i + 1);
    logSum = logSum > logTerm ? logSum + Math.log1p(Math.exp(logTerm - logSum)) : logTerm + Math.log1p(Math.exp(logSum - logTerm));
  }
  return Math.min(1, 2 * Math.exp(logSum));
}

export interface SeedSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single run. */
  std: number;
  min: number;
  max: number;
}

export function summarise(values: readonly number[]): SeedSummary {
  if (!values.length) throw new Error('summary: expected at least one value');
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, std, min: Math.min(...values), max: Math.max(...values) };
}
