/**
 * MaxPoolGrad for the wasm backend. Replaces tfjs-backend-wasm 4.22's, which drops the
 * gradient of any window whose values are all negative (it starts its running maximum at
 * 0), and is a slow scalar loop besides.
 *
 * Each dy value goes to the first position of its window that holds the window's maximum
 * (the forward output y), the cpu backend's tie rule. It runs in ./native/kernels.c:
 * XNNPACK has no pooling gradient.
 */
import { backend_util, MaxPoolGrad, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, type BackendWasm } from './heap.ts';
import { native, ptr, split, threadsFor } from './native.ts';

export function maxPoolGradImpl(backend: BackendWasm, dy: TensorInfo, x: TensorInfo, y: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const dx = alloc(backend, [B, H, W, C]);
  const n = native(backend);
  const [pdy, px, py, pdx] = [ptr(backend, dy), ptr(backend, x), ptr(backend, y), ptr(backend, dx)];
  const inBytes = H * W * C * 4;
  const outBytes = OH * OW * C * 4;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  if (KH === sh && KW === sw && info.padInfo.top === 0 && info.padInfo.left === 0 && C % 4 === 0) {
    // Non-overlapping windows (2×2 pooling): each dx element is written once, no zeroing pass.
    n.parallel(split(B, threadsFor(n, B * H * W * C)).map(([b0, b1]) => ({
      fn: 'sc_max_pool_grad_disjoint' as const,
      args: [pdy, px, py, pdx, b0, b1, H, W, C, OH, OW, KH, KW],
    })));
    return dx;
  }
  // Windows never cross images, so each thread takes a share of the batch.
  n.parallel(split(B, threadsFor(n, B * H * W * C)).map(([b0, b1]) => ({
    fn: 'max_pool_grad' as const,
    args: [
      pdy + b0 * outBytes, px + b0 * inBytes, py + b0 * outBytes, pdx + b0 * inBytes,
      b1 - b0, H, W, C, OH, OW, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
    ],
  })));
  return dx;
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input, output } = inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (input.dtype !== 'float32') throw new Error(`MaxPoolGrad (wasm): expected float32, got ${input.dtype}`);
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  return maxPoolGradImpl(backend as BackendWasm, dy, input, output, info);
};

export const maxPoolGradConfig: KernelConfig = { kernelName: MaxPoolGrad, backendName: 'wasm', kernelFunc };
