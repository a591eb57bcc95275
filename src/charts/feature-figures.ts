/**
 * The activation-map and propagation figures of this build: which layers and
 * channels they show, where their PNGs live, and the PNGs themselves (served by the
 * static endpoint src/pages/figures/activations/). Reads the bundle through
 * src/lib/results.ts.
 *
 * Both figures draw from the same images: one grid per model × sample × shown layer,
 * filled column by column with the most varied channels first; the propagation figure
 * crops each grid to its first column. Every image the selectors can reach counts
 * against the page-weight budget, hence the caps below.
 */
import type { ModelId, ModelResult } from '../../schema/results.ts';
import { getActivations, getBundle, getModel, getSamples, imageSize } from '../lib/results.ts';
import { grayscalePng, gridGeometry, LayerMaps, lutColour, tileGrid, tileGridPng, type GridGeometry, type TileLayout } from './feature-maps.ts';

/** At most this many channels per layer, in columns of GRID_ROWS. */
export const GRID_CHANNELS = 8;
export const GRID_ROWS = 4;
/** Each map is upscaled to about this many pixels a side (whole factors only). */
export const TILE_PX = 64;
export const TILE_GAP = 2;
/** A model that records more layers than this shows its first layer, pooling layers and block outputs only. */
export const MAX_LAYERS = 24;
/** Propagation figure: at most this many stages (evenly spaced, always the first and last). */
export const MAX_STAGES = 8;
/** The input image is drawn at this upscaling. */
export const INPUT_SCALE = 2;

const LAYOUT: Omit<TileLayout, 'channels'> = { rows: GRID_ROWS, tile: TILE_PX, gap: TILE_GAP };

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

/** Evenly spaced picks from `items`, keeping the first and the last. */
function thin<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const picked = new Set<T>();
  for (let k = 0; k < max; k++) picked.add(items[Math.round((k * (items.length - 1)) / (max - 1))]!);
  return [...picked];
}

/**
 * Indices of the layers the figures show. A small CNN shows every recorded layer.
 * A deep one (ResNet50 records every convolution inside its residual blocks) shows
 * its first layer and the layers that are not convolutions: pooling and each block's
 * output, which is where a block's features are handed on.
 */
export function shownLayers(model: Pick<ModelResult, 'activations'>, max = MAX_LAYERS): number[] {
  const layers = model.activations.layers;
  const all = layers.map((_, i) => i);
  if (all.length <= max) return all;
  return thin(
    all.filter((i) => i === 0 || layers[i]!.type !== 'Conv2D'),
    max,
  );
}

/**
 * Propagation stages among the shown layers: consecutive layers with the same spatial
 * size form a stage, represented by its last layer (ResNet50: conv1, each stage's last
 * block output, global pooling; a small CNN: every layer that changes resolution).
 */
export function propagationStages(model: Pick<ModelResult, 'activations'>, max = MAX_STAGES): number[] {
  const layers = model.activations.layers;
  const shown = shownLayers(model);
  const stages = shown.filter((i, k) => {
    const next = shown[k + 1];
    return next === undefined || layers[next]!.shape[0] !== layers[i]!.shape[0] || layers[next]!.shape[1] !== layers[i]!.shape[1];
  });
  return thin(stages, max);
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

/** The channels the figures show for a layer: the most varied ones, at most GRID_CHANNELS, best first. */
export function shownChannels(id: ModelId, layer: number): number[] {
  const key = `${id}/${layer}`;
  let ranking = rankings.get(key);
  if (!ranking) {
    ranking = maps(id, layer).rankChannels();
    rankings.set(key, ranking);
  }
  return ranking.slice(0, GRID_CHANNELS);
}

/** Site path of one feature-map grid. */
export function featureMapPath(id: ModelId, sample: number, layer: number): string {
  return `figures/activations/${id}/${sample}/${layer}.png`;
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

/** Every (model, sample, layer) grid the figures can show: the endpoint's getStaticPaths. */
export function featureMapParams(): FeatureMapParams[] {
  const params: FeatureMapParams[] = [];
  for (const model of getBundle().models) {
    for (let s = 0; s < model.activations.sampleCount; s++) {
      for (const l of shownLayers(model)) params.push({ model: model.id, sample: String(s), layer: String(l) });
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

/** The PNG grid of one model, sample and layer. */
export function featureMapPng(params: Partial<Record<keyof FeatureMapParams, string>>): Promise<Buffer> {
  const id = parseModel(params.model);
  const sample = parseIndex('sample', params.sample);
  const layer = parseIndex('layer', params.layer);
  return tileGridPng(tileGrid(maps(id, layer), sample, { channels: shownChannels(id, layer), ...LAYOUT }));
}

/** The input image of activation sample `raw`, as a PNG. */
export function inputImagePng(raw: string | undefined): Promise<Buffer> {
  const sample = parseIndex('sample', raw);
  const count = getBundle().manifest.samples.testIndices.length;
  if (sample >= count) throw new RangeError(`sample: expected 0..${count - 1}, got ${sample}`);
  const side = imageSize();
  const size = side * side;
  return grayscalePng(getSamples().subarray(sample * size, (sample + 1) * size), side, side, INPUT_SCALE);
}

/** Pixel geometry of a layer's grid, for width/height attributes and the propagation crop. */
export function featureMapGeometry(id: ModelId, layer: number): GridGeometry {
  const m = maps(id, layer);
  return gridGeometry(m.height, m.width, Math.min(GRID_CHANNELS, m.channels), LAYOUT);
}

/** The model the feature figures open on: the first model that is not the reference network, else the first model. */
export function defaultFeatureModel(): ModelResult {
  const models = getBundle().models;
  return models.find((m) => m.role !== 'reference') ?? models[0]!;
}

/**
 * What the selectors' script needs to relabel predictions and to re-colour maps on
 * a per-map scale: small enough to inline.
 */
export interface FeatureFigureData {
  classes: string[];
  /** True class index of each sample. */
  labels: number[];
  /** Softmax rows per model, one per sample. */
  softmax: Record<string, number[][]>;
  names: Record<string, string>;
  /** The colour map as 256 hex RGB colours (value v → lut[v]), to read a grid's values back from its pixels. */
  lut: string[];
  /** Pixels between tiles in a grid. */
  gap: number;
}

export function featureFigureData(): FeatureFigureData {
  const { manifest, models } = getBundle();
  const round = (p: number) => Math.round(p * 1e4) / 1e4;
  return {
    classes: manifest.dataset.classes,
    labels: manifest.samples.labels,
    softmax: Object.fromEntries(models.map((m) => [m.id, m.softmax.map((row) => row.map(round))])),
    names: Object.fromEntries(models.map((m) => [m.id, m.name])),
    lut: Array.from({ length: 256 }, (_, v) => lutColour(v).slice(1)),
    gap: TILE_GAP,
  };
}

/** What both feature figures open on, from their props: model, sample, prediction, and the data for the script. */
export function featureSelection(props: { model?: string; sample?: number }) {
  const { models } = getBundle();
  const first = models.find((m) => m.id === props.model) ?? defaultFeatureModel();
  const sample = props.sample ?? 0;
  const sampleList = samples();
  const data = featureFigureData();
  const row = first.softmax[sample] ?? [];
  return { models, first, sample, sampleList, data, row, truth: data.labels[sample] ?? -1, predicted: argmax(row) };
}

/** Index of the largest probability (the predicted class). */
export function argmax(row: readonly number[]): number {
  let best = 0;
  row.forEach((p, i) => {
    if (p > row[best]!) best = i;
  });
  return best;
}
