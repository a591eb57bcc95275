/**
 * A model's layer table and cost figures, computed from layer shapes.
 *
 * MAC convention: only layers that multiply weights with inputs count. A convolution
 * or dense layer costs one multiply-accumulate per kernel weight per output position:
 * Conv2D = Hout·Wout·Cout·kh·kw·Cin, Dense = in·out (times the positions, if applied
 * to more than a vector). Bias additions, batch norm, activations, pooling (max and
 * average, global included), padding, flatten, add and dropout count 0: they are
 * element-wise or comparisons, a few per output, and the usual FLOPs tables (Keras
 * papers, fvcore) leave them out too. FLOPs ≈ 2 × MACs.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { LayerRow } from '../../schema/results.ts';

/** Layers that hold weights but do no multiply-accumulates by the convention above. */
const WEIGHTED_WITHOUT_MACS = new Set(['BatchNormalization']);
/** Layers whose MACs are (output positions) × (kernel size): one kernel column per output unit. */
const KERNEL_LAYERS = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'DepthwiseConv2D', 'Dense']);

/** One row per layer after the input, in the model's (forward) order. */
export function layerTable(model: tfl.LayersModel): LayerRow[] {
  return model.layers
    .filter((layer) => layer.getClassName() !== 'InputLayer')
    .map((layer) => ({
      name: layer.name,
      type: layer.getClassName(),
      outputShape: outputShapeOf(layer),
      params: layer.countParams(),
      macs: layerMacs(layer),
    }));
}

export function countMacs(model: tfl.LayersModel): number {
  return layerTable(model).reduce((sum, row) => sum + row.macs, 0);
}

/** Bytes of all weights (trainable and not, e.g. batch-norm statistics) stored as float32. */
export function weightBytes(model: tfl.LayersModel): number {
  return model.weights.reduce((sum, weight) => sum + 4 * product(weight.shape), 0);
}

/** Total (as `countParams()`) and trainable parameter counts. */
export function paramCounts(model: tfl.LayersModel): { total: number; trainable: number } {
  const trainable = model.trainableWeights.reduce((sum, weight) => sum + product(weight.shape), 0);
  return { total: model.countParams(), trainable };
}

export function layerMacs(layer: tfl.layers.Layer): number {
  const type = layer.getClassName();
  if (KERNEL_LAYERS.has(type)) {
    // Conv kernels are [kh, kw, Cin, Cout] (depthwise: [kh, kw, Cin, multiplier], Cout = Cin·multiplier),
    // dense kernels [in, out]: each output element takes one column of the kernel.
    const kernel = layer.weights[0].shape;
    const output = outputShapeOf(layer);
    const outputElements = product(output);
    const perOutput = type === 'DepthwiseConv2D' ? product(kernel.slice(0, 2)) : product(kernel.slice(0, -1));
    return outputElements * perOutput;
  }
  if (layer.countParams() > 0 && !WEIGHTED_WITHOUT_MACS.has(type)) {
    throw new Error(`layer ${layer.name}: no MAC rule for ${type} layers (expected Conv2D, Dense or a weightless layer)`);
  }
  return 0;
}

function outputShapeOf(layer: tfl.layers.Layer): number[] {
  const shape = layer.outputShape;
  if (Array.isArray(shape[0])) throw new Error(`layer ${layer.name}: expected one output, found ${shape.length}`);
  const [, ...dims] = shape as Array<number | null>;
  if (dims.some((dim) => dim === null)) throw new Error(`layer ${layer.name}: output shape [${dims.join(',')}] is not fully known`);
  return dims as number[];
}

/** Weight shapes are always known; a null (unknown) dimension would make this NaN, never a silent count. */
function product(values: ReadonlyArray<number | null>): number {
  return values.reduce<number>((p, v) => p * (v ?? Number.NaN), 1);
}
