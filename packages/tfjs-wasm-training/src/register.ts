/**
 * Kernels the wasm backend needs to train this project's models, registered over (or in
 * place of) tfjs-backend-wasm's own. See each module for why it exists.
 */
import { getGradient, getKernel, registerGradient, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { wasmKernel } from './heap.ts';
import { adamUpdateConfig, patchAdamForWasm } from './adam.ts';
import { batchMatMulConfig } from './batch-mat-mul.ts';
import { batchNormTrainingConfig, batchNormTrainingGradConfig, batchNormTrainingGradient, fusedBatchNormConfig } from './batch-norm.ts';
import { conv2dConfig, fusedConv2dConfig } from './conv2d.ts';
import { conv2dTrainingConfig, conv2dTrainingGradient } from './conv2d-training.ts';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.ts';
import { castConfig, identityConfig } from './identity.ts';
import { patchLayersForWasm } from './layers.ts';
import { patchReluGradientForWasm, reluGradConfig } from './relu-grad.ts';
import { maxPoolGradConfig } from './max-pool-grad.ts';
import { maxPoolConfig } from './small-channels.ts';
import { addConfig, multiplyConfig, subConfig } from './row-vector.ts';
import { meanConfig, sumConfig } from './sum.ts';
import { tileConfig } from './tile.ts';

/** Every kernel this module provides for the wasm backend. */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  maxPoolGradConfig,
  maxPoolConfig,
  batchMatMulConfig,
  sumConfig,
  identityConfig,
  castConfig,
  tileConfig,
  multiplyConfig,
  addConfig,
  adamUpdateConfig,
  conv2dConfig,
  fusedConv2dConfig,
  subConfig,
  meanConfig,
  batchNormTrainingConfig,
  batchNormTrainingGradConfig,
  reluGradConfig,
  conv2dTrainingConfig,
  fusedBatchNormConfig,
];

/**
 * The compiled kernels that ours call; captured before any of ours replaces one of the
 * same name.
 */
const CALLED_ORIGINALS = ['Add', 'FusedBatchNorm', 'BatchMatMul', 'Cast', 'Conv2D', 'Conv2DBackpropInput', 'FusedConv2D', 'Mean', 'Sub', 'Identity', 'MaxPool', 'MaxPoolGrad', 'Multiply', 'Sum', 'Tile', 'Transpose', 'Reshape'];

/** Registers (idempotently) the kernels that training on wasm needs. Returns their names. */
export function registerWasmTrainingKernels(): string[] {
  for (const name of CALLED_ORIGINALS) if (getKernel(name, 'wasm')) wasmKernel(name);
  for (const config of WASM_TRAINING_KERNELS) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing === config) continue;
    if (existing) unregisterKernel(config.kernelName, 'wasm');
    registerKernel(config);
  }
  for (const g of [batchNormTrainingGradient, conv2dTrainingGradient]) if (!getGradient(g.kernelName)) registerGradient(g);
  patchAdamForWasm();
  patchReluGradientForWasm();
  patchLayersForWasm();
  return WASM_TRAINING_KERNELS.map((k) => k.kernelName);
}
