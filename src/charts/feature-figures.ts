/**
 * The activation-map and propagation figures of this build: which layers and
 * channels they show, where their PNGs live, and the PNGs themselves (served by the
 * static endpoints under src/pages/figures/). Reads the bundle through src/lib/results.ts.
 */
import { IMAGE_SIZE, type ModelId, type ModelResult } from '../../schema/results.ts';
import { getActivations, getBundle, getModel, getSamples } from '../lib/results.ts';
import { grayscalePng, gridGeometry, LayerMaps, tileGrid, tileGridPng, type TileLayout } from './feature-maps.ts';

/** Activation figure: at most this many channels per layer, in a grid this many columns wide. */
export const GRID_CHANNELS = 16;
export const GRID_COLUMNS = 4;
/** Propagation figure: this many channels per stage, stacked in one column. */
export const STRIP_CHANNELS = 4;
/** Propagation figure: at most this many stages (evenly spaced, always the last). */
export const MAX_STAGES = 8;
/** Each map is upscaled to about this many pixels a side (whole factors only). */
export const TILE_PX = 64;
export const TILE_GAP = 2;
/** The input image is drawn at this upscaling. */
export const INPUT_SCALE = 2;

export type FeatureFigure = 'activations' | 'propagation';

export interface SampleInfo {
  index: number;
  /** True class name. */
  label: string;
  /** `<Class>/<file>` in the dataset. */
  file: string;
}

export function samples(): SampleInfo[] {
  const { manifest } = getBundle();
  return manifest.samples.labels.map((label, index) => ({
    index,
    label: manifest.dataset.classes[label] ?? `class ${label}`,
    file: manifest.samples.files[index] ?? '',
  }));
}

const layerMaps = new Map<string, LayerMaps>();
const rankings = new Map<string, number[]>();

function maps(id: ModelId, layer: number): LayerMaps {
  const key = `${id}/${layer}`;
  let m = layerMaps.get(key);
  if (!m) {
    const model = getModel(id);
    const info = model.activations.layers[layer];
    if (!info) throw new RangeError(`activation layer ${layer} of ${id}: the model records ${model.activations.layers.length} layers`);
    m = new LayerMaps(getActivations(id), info, model.activations.sampleCount);
    layerMaps.set(key, m);
  }
  return m;
}

/** The channels a figure shows for a layer: the most varied ones, at most `count`. */
export function shownChannels(id: ModelId, layer: number, count: number): number[] {
  const key = `${id}/${layer}`;
  let ranking = rankings.get(key);
  if (!ranking) {
    ranking = maps(id, layer).rankChannels();
    rankings.set(key, ranking);
  }
  return ranking.slice(0, count);
}

/**
 * Propagation stages: consecutive recorded layers with the same spatial size form a
 * stage, represented by its last layer (ResNet50: conv1, then each stage's last
 * block output, then global pooling; the small CNNs: every conv and pooling layer).
 */
export function propagationStages(model: Pick<ModelResult, 'activations'>, max = MAX_STAGES): number[] {
  const layers = model.activations.layers;
  const stages: number[] = [];
  layers.forEach((layer, i) => {
    const next = layers[i + 1];
    if (!next || next.shape[0] !== layer.shape[0] || next.shape[1] !== layer.shape[1]) stages.push(i);
  });
  if (stages.length <= max) return stages;
  // Evenly spaced picks that keep the first and the last stage.
  const picked = new Set<number>();
  for (let k = 0; k < max; k++) picked.add(stages[Math.round((k * (stages.length - 1)) / (max - 1))]!);
  return [...picked];
}

/** Site path of one feature-map PNG. */
export function featureMapPath(figure: FeatureFigure, id: ModelId, sample: number, layer: number): string {
  return `figures/${figure}/${id}/${sample}/${layer}.png`;
}

export function inputImagePath(sample: number): string {
  return `figures/inputs/${sample}.png`;
}

// A type alias (not an interface) so it is assignable to Astro's route params record.
export type FeatureMapParams = {
  model: ModelId;
  sample: string;
  layer: string;
};

/** Every (model, sample, layer) a figure can show: the endpoints' getStaticPaths. */
export function featureMapParams(figure: FeatureFigure): FeatureMapParams[] {
  const params: FeatureMapParams[] = [];
  for (const model of getBundle().models) {
    const layers = figure === 'activations' ? model.activations.layers.map((_, i) => i) : propagationStages(model);
    for (let s = 0; s < model.activations.sampleCount; s++) {
      for (const l of layers) params.push({ model: model.id, sample: String(s), layer: String(l) });
    }
  }
  return params;
}

function parseIndex(what: string, raw: string | undefined): number {
  const n = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new RangeError(`${what}: expected a whole number, got "${raw}"`);
  return n;
}

function parseModel(raw: string | undefined): ModelId {
  const model = getBundle().models.find((m) => m.id === raw);
  if (!model) throw new RangeError(`model: expected one of ${getBundle().models.map((m) => m.id).join(', ')}, got "${raw}"`);
  return model.id;
}

/** How many channels a figure shows per layer (fewer when the layer has fewer). */
export function channelCount(figure: FeatureFigure): number {
  return figure === 'activations' ? GRID_CHANNELS : STRIP_CHANNELS;
}

function layoutOf(figure: FeatureFigure): Omit<TileLayout, 'channels'> {
  return { columns: figure === 'activations' ? GRID_COLUMNS : 1, tile: TILE_PX, gap: TILE_GAP };
}

/** The PNG of one figure's maps for one model, sample and layer. */
export function featureMapPng(figure: FeatureFigure, params: Partial<Record<keyof FeatureMapParams, string>>): Promise<Buffer> {
  const id = parseModel(params.model);
  const sample = parseIndex('sample', params.sample);
  const layer = parseIndex('layer', params.layer);
  const channels = shownChannels(id, layer, channelCount(figure));
  return tileGridPng(tileGrid(maps(id, layer), sample, { channels, ...layoutOf(figure) }));
}

/** The input image of activation sample `raw`, as a PNG. */
export function inputImagePng(raw: string | undefined): Promise<Buffer> {
  const sample = parseIndex('sample', raw);
  const count = getBundle().manifest.samples.testIndices.length;
  if (sample >= count) throw new RangeError(`sample: expected 0..${count - 1}, got ${sample}`);
  const size = IMAGE_SIZE * IMAGE_SIZE;
  return grayscalePng(getSamples().subarray(sample * size, (sample + 1) * size), IMAGE_SIZE, IMAGE_SIZE, INPUT_SCALE);
}

/** Pixel size of a feature-map PNG, for width/height attributes (no layout shift while images load). */
export function featureMapSize(figure: FeatureFigure, id: ModelId, layer: number): { width: number; height: number } {
  const m = maps(id, layer);
  const { width, height } = gridGeometry(m.height, m.width, Math.min(channelCount(figure), m.channels), layoutOf(figure));
  return { width, height };
}

/** The model the feature figures open on: the first compact CNN (ResNet50 records dozens of layers), else the first model. */
export function defaultFeatureModel(): ModelResult {
  const models = getBundle().models;
  return models.find((m) => m.id !== 'resnet50') ?? models[0]!;
}

/** What the selectors' script needs to relabel predictions: small enough to inline. */
export interface FeatureFigureData {
  classes: string[];
  /** True class index of each sample. */
  labels: number[];
  /** Softmax rows per model, one per sample. */
  softmax: Record<string, number[][]>;
  names: Record<string, string>;
}

export function featureFigureData(): FeatureFigureData {
  const { manifest, models } = getBundle();
  const round = (p: number) => Math.round(p * 1e4) / 1e4;
  return {
    classes: manifest.dataset.classes,
    labels: manifest.samples.labels,
    softmax: Object.fromEntries(models.map((m) => [m.id, m.softmax.map((row) => row.map(round))])),
    names: Object.fromEntries(models.map((m) => [m.id, m.name])),
  };
}

/** Index of the largest probability (the predicted class). */
export function argmax(row: readonly number[]): number {
  let best = 0;
  row.forEach((p, i) => {
    if (p > row[best]!) best = i;
  });
  return best;
}
