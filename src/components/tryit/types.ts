/**
 * What the Try-it section's browser code fetches (tryit/meta.json), made at build time
 * by ./data.ts from the results bundle. Shared by both sides; no runtime code here.
 */
import type { WeightEncoding } from '../../../schema/results.ts';

export interface TryItLayer {
  name: string;
  type: string;
  /** [height, width, channels]. */
  shape: [number, number, number];
  /** The static figure's colour scale for this layer: its minimum and maximum over the sample images. */
  min: number;
  max: number;
  /** The channels the static figure shows, in its order (most varied first). */
  channels: number[];
}

export interface TryItModel {
  id: string;
  name: string;
  /** URL of model.json (tfjs layers format); its weights lie beside it. */
  modelUrl: string;
  encoding: WeightEncoding;
  weightBytes: number;
  /** What the page downloads of the weights: their gzip (weights.bin.gz). */
  downloadBytes: number;
  /** Test accuracy of the float model and of this export, on `testImages` test images. */
  floatAccuracy: number;
  accuracy: number;
  testImages: number;
  /** The exported model's softmax on each sample image, as the pipeline computed it. */
  expected: number[][];
  layers: TryItLayer[];
  /** Indices into `layers`: the propagation figure's stages. */
  stages: number[];
}

export interface TryItMeta {
  classes: string[];
  samples: { label: number; file: string }[];
  /** Side of the square images the models take (the dataset's image size). */
  imageSize: number;
  /** What one image shows (the dataset descriptor's `kinds`), or null. */
  kinds: string | null;
  /** URL of samples.u8: samples × imageSize × imageSize uint8. */
  samplesUrl: string;
  /** 256 × RGB of the activation colour map (the static figure's). */
  lut: number[];
  /** Channels per column in the static grids. */
  gridRows: number;
  models: TryItModel[];
}
