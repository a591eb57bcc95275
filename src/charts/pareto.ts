/**
 * The Pareto front of models trading cost (lower is better) against accuracy
 * (higher is better). O(n²) is plenty for a handful of models and keeps the
 * definition readable.
 */
export interface CostPoint {
  cost: number;
  accuracy: number;
}

/** Whether `a` dominates `b`: no worse on both axes and strictly better on one. */
export function dominates(a: CostPoint, b: CostPoint): boolean {
  return a.cost <= b.cost && a.accuracy >= b.accuracy && (a.cost < b.cost || a.accuracy > b.accuracy);
}

/** For each point, whether no other point dominates it (identical points are all on the front). */
export function paretoFront(points: readonly CostPoint[]): boolean[] {
  for (const p of points) {
    if (!Number.isFinite(p.cost) || !Number.isFinite(p.accuracy))
      throw new RangeError(`paretoFront: expected finite cost and accuracy, got ${JSON.stringify(p)}`);
  }
  return points.map((p) => !points.some((q) => dominates(q, p)));
}
