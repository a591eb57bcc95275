/**
 * The single-threaded wasm build (what runs on a one-core machine, or with threads: 1)
 * with the project's kernels (then built for unshared memory): the same loss curve as cpu.
 * vitest runs each test file in its own process, so this file gets its own backend.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { setupBackends } from './compare.ts';
import { lossCurve } from './small-net.ts';

describe('training steps on the single-threaded wasm build, vs cpu', () => {
  beforeAll(() => setupBackends({ threads: 1 }));
  it('runs one thread and gives the same loss curve within tolerance', async () => {
    const ref = await lossCurve('cpu', 4);
    const got = await lossCurve('wasm', 4);
    expect(getThreadsCount()).toBe(1);
    for (let i = 0; i < ref.length; i++) {
      expect(Math.abs(got[i]! - ref[i]!), `step ${i}: wasm ${got[i]} vs cpu ${ref[i]}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(ref[i]!)));
    }
  });
});
