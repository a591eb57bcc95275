/**
 * Nearest-neighbour baselines on 16×16 pooled pixels (see ../data/neighbours.ts): no
 * learning, the training split is the memory and every query is compared with all of
 * it. 1-NN takes the class of the nearest training image; k-NN the majority of the k
 * nearest (k chosen on the validation split), ties going to the class of the nearer
 * neighbour. Class "probabilities" are the vote shares, for AUC and calibration.
 */

/** The k tried for k-NN, chosen by validation accuracy (the smallest k among equals). */
export const K_CANDIDATES = [1, 3, 5, 7, 9, 11, 15] as const;
export const K_MAX = Math.max(...K_CANDIDATES);

export interface Scored {
  /** q × numClasses scores that sum to 1 per row. */
  probs: Float32Array;
  predicted: Uint8Array;
}

/**
 * k-NN votes. `neighbours` holds, per query, at least k training image indices nearest
 * first (row stride `stride`); `labels` maps an image index to its class.
 */
export function knnVote(neighbours: Int32Array, stride: number, k: number, labels: Uint8Array, numClasses: number): Scored {
  if (k < 1 || k > stride) throw new Error(`k-NN: k must be in [1, ${stride}], got ${k}`);
  const q = neighbours.length / stride;
  const probs = new Float32Array(q * numClasses);
  const predicted = new Uint8Array(q);
  const votes = new Array<number>(numClasses);
  for (let r = 0; r < q; r++) {
    votes.fill(0);
    for (let p = 0; p < k; p++) votes[labels[neighbours[r * stride + p]!]!]!++;
    const top = Math.max(...votes);
    // Ties: the class among the tied ones whose image comes first in distance order.
    let best = -1;
    for (let p = 0; p < k && best < 0; p++) {
      const c = labels[neighbours[r * stride + p]!]!;
      if (votes[c] === top) best = c;
    }
    predicted[r] = best;
    for (let c = 0; c < numClasses; c++) probs[r * numClasses + c] = votes[c]! / k;
  }
  return { probs, predicted };
}

/** The k of K_CANDIDATES with the best accuracy on the validation queries; the smallest among equals. */
export function chooseK(neighbours: Int32Array, stride: number, truth: Uint8Array, labels: Uint8Array, numClasses: number): { k: number; accuracy: number }[] {
  return K_CANDIDATES.filter((k) => k <= stride).map((k) => {
    const { predicted } = knnVote(neighbours, stride, k, labels, numClasses);
    let correct = 0;
    predicted.forEach((p, i) => {
      if (p === truth[i]) correct++;
    });
    return { k, accuracy: correct / predicted.length };
  });
}

/** The most frequent training class (the smallest index among equals), predicted for every image. */
export function majorityClass(trainLabels: ArrayLike<number>, numClasses: number): number {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < trainLabels.length; i++) counts[trainLabels[i]!]!++;
  return counts.indexOf(Math.max(...counts));
}
