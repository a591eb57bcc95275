/**
 * Balanced error, 1 − the mean over classes of recall: one definition for the pipeline (which
 * records it per corruption) and the paper (which resamples the recorded predictions for its
 * intervals), so the two cannot drift apart.
 */

/**
 * Balanced error of `predicted` against `labels`, each image counted `weight[i]` times (a
 * bootstrap resample; every image once without it). Classes with no image are left out, as
 * scikit-learn does.
 */
export function balancedError(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number, weight?: ArrayLike<number>): number {
  const seen = new Float64Array(classes);
  const right = new Float64Array(classes);
  for (let i = 0; i < labels.length; i++) {
    const w = weight ? weight[i]! : 1;
    if (!w) continue;
    seen[labels[i]!]! += w;
    if (predicted[i] === labels[i]) right[labels[i]!]! += w;
  }
  let sum = 0;
  let present = 0;
  for (let c = 0; c < classes; c++)
    if (seen[c]! > 0) {
      sum += right[c]! / seen[c]!;
      present++;
    }
  return present ? 1 - sum / present : 0;
}
