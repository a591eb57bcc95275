/**
 * MaxPoolGrad for the wasm backend. Replaces tfjs-backend-wasm 4.22's, which drops the
 * gradient of any window whose values are all negative (it starts its running maximum at
 * 0), and is a slow scalar loop besides.
 *
 * Each dy value goes to the first position of its window that holds the window's maximum
 * (the forward output y), the cpu backend's tie rule. Written as a JS loop over the wasm
 * heap: the work is a compare-and-scatter over memory, with no arithmetic for XNNPACK to
 * speed up, and the channel-innermost loop reads all three tensors sequentially.
 */
import { backend_util, MaxPoolGrad, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, f32, type BackendWasm } from './heap.ts';

export function maxPoolGradImpl(backend: BackendWasm, dy: TensorInfo, x: TensorInfo, y: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const dx = alloc(backend, [B, H, W, C]);
  const dxs = f32(backend, dx);
  dxs.fill(0);
  const xs = f32(backend, x);
  const ys = f32(backend, y);
  const dys = f32(backend, dy);
  const found = new Uint8Array(C);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - pt;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pl;
        const o = ((b * OH + oh) * OW + ow) * C;
        found.fill(0);
        let remaining = C;
        for (let kh = 0; kh < KH && remaining > 0; kh++) {
          const ih = h0 + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW && remaining > 0; kw++) {
            const iw = w0 + kw;
            if (iw < 0 || iw >= W) continue;
            const i = ((b * H + ih) * W + iw) * C;
            for (let c = 0; c < C; c++) {
              if (found[c] === 0 && xs[i + c] === ys[o + c]) {
                found[c] = 1;
                remaining--;
                dxs[i + c]! += dys[o + c]!;
              }
            }
          }
        }
      }
    }
  }
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
