/**
 * A model's architecture in a few words, read off its layer table: how many
 * convolutions with how many filters, and what sits between them and the classifier.
 */
import type { ModelResult } from '../../schema/results.ts';
import { int, list } from './format.ts';

export interface ArchitectureSummary {
  convLayers: number;
  /** Filters of each convolution, in order. */
  filters: number[];
  /** "flatten", "global average pooling" or both/neither, as found. */
  head: string;
  /** Units of each hidden dense layer (the classifier excluded). */
  denseUnits: number[];
}

const channels = (shape: readonly number[]) => shape[shape.length - 1] ?? 0;

/** Whether a layer is the network's own input preprocessing (by its name, as the model file gives it). */
export function isPreprocessing(layer: { name: string }): boolean {
  return /preprocess/i.test(layer.name);
}

export function summarize(model: ModelResult): ArchitectureSummary {
  // A fixed input-normalisation layer built as a convolution (ResNet50's `imagenet_preprocess`) is not a feature layer.
  const convs = model.layers.filter((l) => /^(Conv2D|DepthwiseConv2D|SeparableConv2D)$/.test(l.type) && !isPreprocessing(l));
  const dense = model.layers.filter((l) => l.type === 'Dense');
  const types = new Set(model.layers.map((l) => l.type));
  const heads = [types.has('Flatten') && 'flatten', types.has('GlobalAveragePooling2D') && 'global average pooling', types.has('GlobalMaxPooling2D') && 'global max pooling'].filter(Boolean) as string[];
  return {
    convLayers: convs.length,
    filters: convs.map((l) => channels(l.outputShape)),
    head: heads.length ? list(heads) : 'none',
    denseUnits: dense.slice(0, -1).map((l) => channels(l.outputShape)),
  };
}

/** "2 (16, 32)" for a few convolutions, "53 (64–2,048)" for many. */
export function describeFilters(s: ArchitectureSummary): string {
  if (s.convLayers === 0) return '0';
  if (s.filters.length <= 4) return `${int(s.convLayers)} (${s.filters.map(int).join(', ')})`;
  return `${int(s.convLayers)} (${int(Math.min(...s.filters))}–${int(Math.max(...s.filters))})`;
}

export interface LayerStage {
  /** The first part of its layers' names (`conv2` for `conv2_block1_1_conv`, …). */
  name: string;
  layers: number;
  /** The stage's last output shape. */
  outputShape: number[];
  params: number;
  macs: number;
}

/** A model's layers summed by stage: consecutive layers whose names share the part before the first `_`. */
export function layerStages(model: Pick<ModelResult, 'layers'>): LayerStage[] {
  const stages: LayerStage[] = [];
  for (const l of model.layers) {
    const name = l.name.split('_')[0] || l.name;
    const last = stages[stages.length - 1];
    if (last && last.name === name) {
      last.layers += 1;
      last.params += l.params;
      last.macs += l.macs;
      last.outputShape = [...l.outputShape];
    } else stages.push({ name, layers: 1, outputShape: [...l.outputShape], params: l.params, macs: l.macs });
  }
  return stages;
}
