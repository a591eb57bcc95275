/**
 * Conv2DBackpropFilter for the wasm backend, which ships without it (tensorflow/tfjs#8474),
 * so no convolutional layer can train there.
 *
 * dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·sh+kh−pt, ow·sw+kw−pl, ci] · dy[b,oh,ow,co]
 *
 * is one GEMM: colsᵀ [KH·KW·CI, P] · dy [P, CO] with P = B·OH·OW, where colsᵀ is the
 * transposed im2col of x. The GEMM runs in XNNPACK; the im2col is a JS loop over the
 * wasm heap (no wasm kernel builds it). The reduction dimension P is cut into chunks of
 * whole images so the temporary stays small and XNNPACK's packed B panel stays in cache.
 */
import { backend_util, Conv2DBackpropFilter, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, f32, free, gemm, view, type BackendWasm } from './heap.ts';

/** Target number of reduction rows (B·OH·OW) per GEMM call. */
const CHUNK_ROWS = 8192;

export function conv2dBackpropFilterImpl(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  convInfo: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = convInfo;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = convInfo;
  const pt = convInfo.padInfo.top;
  const pl = convInfo.padInfo.left;
  const K = KH * KW * CI;
  const rowsPerImage = OH * OW;
  const imagesPerChunk = Math.max(1, Math.min(batchSize, Math.floor(CHUNK_ROWS / Math.max(1, rowsPerImage))));

  const out = alloc(backend, [KH, KW, CI, CO]);
  f32(backend, out).fill(0);

  for (let b0 = 0; b0 < batchSize; b0 += imagesPerChunk) {
    const nb = Math.min(imagesPerChunk, batchSize - b0);
    const P = nb * rowsPerImage;
    const colsT = alloc(backend, [K, P]);
    let dyChunk: TensorInfo;
    if (nb === batchSize) {
      dyChunk = view(backend, dy, [P, CO]);
    } else {
      dyChunk = alloc(backend, [P, CO]);
      f32(backend, dyChunk).set(f32(backend, dy).subarray(b0 * rowsPerImage * CO, (b0 + nb) * rowsPerImage * CO));
    }
    const xs = f32(backend, x);
    const cols = f32(backend, colsT);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let ci = 0; ci < CI; ci++) {
          let o = ((kh * KW + kw) * CI + ci) * P;
          for (let b = b0; b < b0 + nb; b++) {
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * sh + kh * dh - pt;
              if (ih < 0 || ih >= H) {
                cols.fill(0, o, o + OW);
                o += OW;
                continue;
              }
              const rowBase = (b * H + ih) * W;
              for (let ow = 0; ow < OW; ow++) {
                const iw = ow * sw + kw * dw - pl;
                cols[o++] = iw >= 0 && iw < W ? xs[(rowBase + iw) * CI + ci]! : 0;
              }
            }
          }
        }
      }
    }
    const part = gemm(backend, colsT, dyChunk);
    const acc = f32(backend, out);
    const p = f32(backend, part);
    for (let i = 0; i < acc.length; i++) acc[i]! += p[i]!;
    free(backend, colsT, dyChunk, part);
  }
  return out;
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`Conv2DBackpropFilter (wasm): expected float32 tensors, got ${x.dtype} and ${dy.dtype}`);
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') throw new Error(`Conv2DBackpropFilter (wasm): expected dataFormat NHWC, got ${dataFormat}`);
  const convInfo = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format);
  return conv2dBackpropFilterImpl(backend as BackendWasm, x, dy, convInfo);
};

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc,
};
