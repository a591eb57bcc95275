/**
 * The wasm kernels this project replaces for speed (matmul with transposes, leading-axis
 * sums, whole-tensor tiling, row-vector products, aliasing identity/cast) against the cpu
 * backend, on the shapes that take the fast paths and on ones that must fall back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareBackends, on, randomValues, setupBackends } from './compare.ts';

const t = (shape: number[], seed: string) => tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);

describe('replaced wasm kernels, wasm vs cpu', () => {
  beforeAll(() => setupBackends());

  it('matMul with and without transposes, 2-d and batched', async () => {
    await compareBackends('matMul', () => {
      const a = t([37, 53], 'a');
      const b = t([53, 19], 'b');
      const at = t([53, 37], 'at');
      const bt = t([19, 53], 'bt');
      return [
        tf.matMul(a, b),
        tf.matMul(at, b, true, false),
        tf.matMul(a, bt, false, true),
        tf.matMul(at, bt, true, true),
        // Native paths: widths in whole SIMD vectors, long and short inner dimensions.
        tf.matMul(t([37, 52], 'na'), t([52, 20], 'nb')),
        tf.matMul(t([64, 37], 'ta'), t([64, 20], 'tb'), true, false),
        tf.matMul(t([37, 52], 'ra'), t([21, 52], 'rb'), false, true),
        tf.matMul(t([5, 1300], 'ka'), t([1300, 8], 'kb')),
        tf.matMul(t([3, 5, 7], 'ba'), t([3, 7, 4], 'bb'), false, false),
        tf.matMul(t([3, 7, 5], 'bc'), t([3, 4, 7], 'bd'), true, true),
      ];
    });
  });

  it('sum and mean over leading axes, other axes, keepDims', async () => {
    await compareBackends('sum', () => {
      const x = t([6, 5, 4, 9], 'sx');
      return [
        tf.sum(x, [0, 1, 2]), tf.sum(x, [0]), tf.sum(x, [0, 1], true), tf.sum(x, [1, 3]), tf.sum(x), tf.sum(x, -1),
        tf.mean(x, [0, 1, 2]), tf.mean(x, [0], true), tf.mean(x, [2, 3]), tf.mean(x),
      ];
    });
  });

  it('fused and plain convolutions on each native path (Winograd, first layers) and ones that fall back', async () => {
    await compareBackends('fused conv', () => {
      const x = t([3, 9, 10, 8], 'fx');
      const w = t([3, 3, 8, 12], 'fw');
      const b = t([12], 'fb');
      return [
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' }),
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'valid', bias: b }),
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'valid' }),
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 2, pad: 'same', bias: b, activation: 'relu' }),
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'elu' }),
        // Big enough for the native paths outside training too (≥ 16384 output pixels).
        tf.fused.conv2d({ x: t([4, 64, 64, 8], 'bx') as tf.Tensor4D, filter: t([3, 3, 8, 8], 'bw') as tf.Tensor4D, strides: 1, pad: 'same', bias: t([8], 'bb'), activation: 'relu' }),
        tf.fused.conv2d({ x: t([5, 64, 64, 1], 'b1') as tf.Tensor4D, filter: t([3, 3, 1, 8], 'b1w') as tf.Tensor4D, strides: 1, pad: 'valid', bias: t([8], 'b1b'), activation: 'relu' }),
        // First layers (one input channel): im2col blocks (in training; XNNPACK here).
        tf.fused.conv2d({ x: t([2, 11, 9, 1], 'f1') as tf.Tensor4D, filter: t([3, 3, 1, 8], 'f1w') as tf.Tensor4D, strides: 1, pad: 'valid', bias: t([8], 'f1b'), activation: 'relu' }),
        tf.fused.conv2d({ x: t([2, 15, 15, 1], 'f7') as tf.Tensor4D, filter: t([7, 7, 1, 12], 'f7w') as tf.Tensor4D, strides: 2, pad: 'same', bias: t([12], 'f7b') }),
        tf.conv2d(t([3, 10, 10, 3], 'f3') as tf.Tensor4D, t([3, 3, 3, 4], 'f3w') as tf.Tensor4D, 1, 'same'),
      ];
    });
  });

  it('convolutions while recording gradients (training), where every native path is taken', async () => {
    await compareBackends('training conv', () => {
      const cases: [number[], number[], number, 'same' | 'valid'][] = [
        [[3, 9, 10, 8], [3, 3, 8, 12], 1, 'same'], // Winograd
        [[2, 11, 9, 1], [3, 3, 1, 8], 1, 'valid'], // first layer
        [[2, 15, 15, 1], [7, 7, 1, 12], 2, 'same'], // ResNet's stem
        [[3, 7, 5, 12], [1, 1, 12, 8], 1, 'valid'], // 1×1
        [[2, 9, 8, 8], [1, 1, 8, 16], 2, 'valid'], // strided 1×1
      ];
      return cases.map(([xs, ws, s, pad], i) => {
        const x = t(xs, `tx${i}`) as tf.Tensor4D;
        const w = t(ws, `tw${i}`) as tf.Tensor4D;
        const b = t([ws[3]!], `tb${i}`);
        // valueAndGrad runs the forward pass with the tape recording (bias-only fused convs
        // stay fused then); weighting the output by a fixed random tensor makes the value
        // depend on every output element.
        const shape = tf.conv2d(x, w, s, pad).shape;
        const r = t(shape, `tr${i}`);
        const { value, grad } = tf.valueAndGrad((ww: tf.Tensor) =>
          tf.sum(tf.mul(tf.fused.conv2d({ x, filter: ww as tf.Tensor4D, strides: s, pad, bias: b }), r)))(w);
        return [value, grad];
      }).flat();
    });
  });

  it('tile of a broadcast block and general tiling', async () => {
    await compareBackends('tile', () => {
      const v = t([1, 1, 1, 7], 'tv');
      return [tf.tile(v, [3, 4, 5, 1]), tf.tile(v, [1, 1, 1, 1]), tf.tile(t([2, 3], 'tg'), [3, 2]), tf.tile(t([1, 3], 'th'), [4, 1])];
    });
  });

  it('multiply, add and subtract with a row vector either way round, and plain broadcasting', async () => {
    await compareBackends('multiply', () => {
      const x = t([4, 6, 5, 7], 'mx');
      return [
        tf.mul(x, t([7], 'mv')),
        tf.mul(t([1, 1, 1, 7], 'mw'), x),
        tf.mul(x, t([5, 7], 'mm')),
        tf.mul(x, t([4, 6, 5, 7], 'my')),
        tf.mul(t([7], 'a'), t([7], 'b')),
        tf.add(x, t([7], 'av')),
        tf.add(t([1, 7], 'aw'), t([3, 7], 'ax')),
        tf.add(x, t([4, 6, 5, 7], 'ay')),
        tf.sub(x, t([7], 'sv')),
        tf.sub(t([1, 1, 7], 'sw'), x),
        tf.sub(x, t([4, 6, 5, 7], 'sy')),
        // Large same-shape operands (split over the threads).
        tf.mul(t([9, 100, 80], 'lx'), t([9, 100, 80], 'ly')),
        tf.add(t([9, 100, 80], 'lx'), t([9, 100, 80], 'ly')),
        tf.sub(t([9, 100, 80], 'lx'), t([9, 100, 80], 'ly')),
      ];
    });
  });

  it('identity and same-dtype cast share data without breaking disposal', async () => {
    const [got] = await on('wasm', () => {
      const x = t([3, 4], 'ix');
      const y = tf.clone(x);
      const z = tf.cast(y, 'float32');
      x.dispose();
      y.dispose();
      return [tf.add(z, tf.cast(tf.tensor1d([1, 2, 3, 4], 'int32'), 'float32'))];
    });
    const expected = randomValues(12, 'ix').map((v, i) => v + (i % 4) + 1);
    got!.values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });
});
