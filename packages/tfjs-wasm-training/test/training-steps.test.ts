/**
 * A few Adam steps of a small conv net on wasm follow the cpu backend's loss curve: the
 * end-to-end check that every kernel a layers-API training step runs agrees.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackends } from './compare.ts';
import { lossCurve } from './small-net.ts';

describe('training steps, wasm vs cpu', () => {
  beforeAll(() => setupBackends());
  it('gives the same loss curve within tolerance', async () => {
    const ref = await lossCurve('cpu', 8);
    const got = await lossCurve('wasm', 8);
    // The net must actually learn, or equal curves would prove little.
    expect(ref[ref.length - 1]).toBeLessThan(ref[0]! * 0.9);
    for (let i = 0; i < ref.length; i++) {
      expect(Math.abs(got[i]! - ref[i]!), `step ${i}: wasm ${got[i]} vs cpu ${ref[i]}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(ref[i]!)));
    }
  });
});
