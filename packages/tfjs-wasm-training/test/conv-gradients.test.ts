/**
 * The wasm backend's convolution gradients (ours where it had none, and its own) against
 * the cpu backend's, on shapes that cover the project's models: 3×3 same/valid, stride 1
 * and 2, 1×1 projections, the 7×7 stride-2 stem, odd sizes, batch 1 to 64, and the shapes
 * that take the Winograd path (forward and input gradient).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import { compareBackends, randomValues, setupBackends } from './compare.ts';

interface ConvCase { b: number; h: number; w: number; ci: number; co: number; k: number; s: 1 | 2; pad: 'same' | 'valid' }

const CASES: ConvCase[] = [
  { b: 1, h: 7, w: 7, ci: 1, co: 3, k: 3, s: 1, pad: 'same' },
  { b: 3, h: 9, w: 8, ci: 2, co: 4, k: 3, s: 2, pad: 'same' },
  { b: 2, h: 10, w: 11, ci: 3, co: 2, k: 3, s: 2, pad: 'valid' },
  { b: 1, h: 13, w: 13, ci: 4, co: 5, k: 3, s: 1, pad: 'valid' },
  { b: 2, h: 6, w: 5, ci: 4, co: 6, k: 1, s: 1, pad: 'valid' },
  { b: 2, h: 9, w: 9, ci: 4, co: 6, k: 1, s: 2, pad: 'valid' },
  { b: 2, h: 8, w: 8, ci: 3, co: 5, k: 1, s: 2, pad: 'same' },
  { b: 2, h: 15, w: 15, ci: 1, co: 4, k: 7, s: 2, pad: 'same' },
  { b: 1, h: 12, w: 12, ci: 2, co: 3, k: 5, s: 1, pad: 'same' },
  { b: 64, h: 12, w: 12, ci: 3, co: 8, k: 3, s: 1, pad: 'valid' },
  { b: 64, h: 11, w: 11, ci: 8, co: 4, k: 3, s: 2, pad: 'same' },
  { b: 3, h: 17, w: 17, ci: 16, co: 24, k: 3, s: 1, pad: 'valid' },
  // Winograd F(2×2,3×3) shapes (channels multiples of 4, ≥ 8): odd and even outputs, both paddings.
  { b: 1, h: 9, w: 11, ci: 8, co: 8, k: 3, s: 1, pad: 'same' },
  { b: 64, h: 9, w: 9, ci: 8, co: 12, k: 3, s: 1, pad: 'valid' },
  { b: 2, h: 10, w: 7, ci: 12, co: 16, k: 3, s: 1, pad: 'same' },
  { b: 2, h: 8, w: 8, ci: 16, co: 8, k: 3, s: 2, pad: 'same' },
  // Winograd F(4×4,3×3) (outputs ≥ 6×6, ./winograd.ts winograd43Applies), forward and/or input gradient:
  // odd and even outputs, not multiples of 4, partial edge tiles, both paddings, batch 1 and 64, 8–128 channels.
  { b: 1, h: 11, w: 13, ci: 8, co: 12, k: 3, s: 1, pad: 'same' },
  { b: 64, h: 10, w: 10, ci: 8, co: 12, k: 3, s: 1, pad: 'valid' },
  { b: 2, h: 14, w: 14, ci: 16, co: 24, k: 3, s: 1, pad: 'valid' },
  { b: 2, h: 18, w: 17, ci: 32, co: 16, k: 3, s: 1, pad: 'same' },
  { b: 64, h: 9, w: 9, ci: 8, co: 16, k: 3, s: 1, pad: 'valid' },
  { b: 64, h: 8, w: 8, ci: 16, co: 16, k: 3, s: 1, pad: 'same' },
  { b: 1, h: 16, w: 16, ci: 128, co: 64, k: 3, s: 1, pad: 'same' },
  { b: 1, h: 31, w: 31, ci: 32, co: 64, k: 3, s: 1, pad: 'valid' },
  // 1×1 as matrix products (ResNet50's bottlenecks and projections), odd sizes, stride 1 and 2.
  { b: 3, h: 7, w: 5, ci: 12, co: 20, k: 1, s: 1, pad: 'valid' },
  { b: 64, h: 5, w: 5, ci: 8, co: 16, k: 1, s: 2, pad: 'valid' },
  { b: 2, h: 9, w: 8, ci: 16, co: 8, k: 1, s: 2, pad: 'same' },
  // The packed 1×1 filter gradient (gemm_at_b_packed): edge tiles (CI not a multiple of 3,
  // CO not of 12) over several blocks of 256 pixels per thread, and ResNet50's channel
  // counts (stage 4's 2048, a strided stage-2 projection) on few pixels, so the cpu
  // reference stays quick (it runs these at a few MMAC/s).
  { b: 3, h: 16, w: 16, ci: 10, co: 20, k: 1, s: 1, pad: 'valid' },
  { b: 1, h: 3, w: 3, ci: 2048, co: 64, k: 1, s: 1, pad: 'valid' },
  { b: 2, h: 8, w: 8, ci: 256, co: 128, k: 1, s: 2, pad: 'valid' },
];

const name = (c: ConvCase) => `b${c.b} ${c.h}×${c.w}×${c.ci}→${c.co} k${c.k} s${c.s} ${c.pad}`;

describe('conv2d gradients, wasm vs cpu', () => {
  beforeAll(() => setupBackends());

  for (const c of CASES) {
    it(name(c), async () => {
      const xv = randomValues(c.b * c.h * c.w * c.ci, `x${name(c)}`);
      const wv = randomValues(c.k * c.k * c.ci * c.co, `w${name(c)}`);
      const bv = randomValues(c.co, `b${name(c)}`);
      await compareBackends(name(c), () => {
        const x = tf.tensor4d(xv, [c.b, c.h, c.w, c.ci]);
        const w = tf.tensor4d(wv, [c.k, c.k, c.ci, c.co]);
        const bias = tf.tensor1d(bv);
        const y = tf.conv2d(x, w, c.s, c.pad);
        // A fixed random cotangent makes every output position count differently.
        const dy = tf.tensor(randomValues(y.size, `dy${name(c)}`), y.shape);
        // Plain conv2d: the layers API's conv without bias (ResNet50) takes this path. Its
        // value is computed while recording gradients, i.e. by the training kernels (y above
        // may be XNNPACK's: small inference convs go there).
        const plain = tf.valueAndGrads((xx: tf.Tensor, ww: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.s, c.pad));
        // Fused conv + bias + relu: the layers API's conv with an activation.
        const fused = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.mul(tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ww as tf.Tensor4D, strides: c.s, pad: c.pad, bias: bb, activation: 'relu' }), dy)));
        const { value, grads } = plain([x, w], dy as tf.Tensor4D);
        return [y, value, ...grads, ...fused([x, w, bias])];
      });
    });
  }
});
