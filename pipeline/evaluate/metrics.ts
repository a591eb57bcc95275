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
