/**
 * tfjs-wasm-training: makes @tensorflow/tfjs-backend-wasm 4.22 train convolutional networks
 * (tensorflow/tfjs#8474). One entry: enableWasmTraining().
 */
export { enableWasmTraining, type WasmTrainingOptions, type WasmTrainingResult } from './enable.ts';
