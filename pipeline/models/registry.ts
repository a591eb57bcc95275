/**
 * The registry: every model file in ./zoo/, found at load time, in the paper's order.
 * Adding a model is adding one file there (docs/adding-a-model.md); nothing else names
 * model ids. The trainer builds models through here, the activation recorder asks which
 * layers to record, and the inputs hash takes each one's definition.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelRole } from '../../schema/results.ts';
import { convAndPoolingLayers, type BuildOptions, type ModelDescriptor } from './descriptor.ts';

export { inputShape, type BuildOptions } from './common.ts';
export type { ModelDescriptor };

export interface ModelSpec extends Omit<ModelDescriptor, 'activationLayers' | 'description'> {
  description(d: { classes: number; imageSize: number }): string;
  /** Names of every layer whose output to record, in forward order. */
  activationLayers(model: tfl.LayersModel): string[];
  /** Layers the representation analyses compare, in forward order (see ModelDescriptor.representationLayers). */
  representationLayers(model: tfl.LayersModel): string[];
  /**
   * The architecture as a stable string, for the inputs hash: the model's JSON
   * (`model.toJSON()`, no weights) as built with seed 0 for `classes` classes at
   * `imageSize`, so it changes when the definition or the tfjs-layers version changes,
   * never with the run's seed. Computed once per shape (building ResNet50 takes a second).
   */
  definitionSource(classes: number, imageSize: number): string;
}

/** Where model files live. */
export const ZOO_DIR = fileURLToPath(new URL('./zoo/', import.meta.url));

/** Paper colours for models that choose none: the rest of Okabe–Ito, then Paul Tol's muted scheme. */
const SPARE_COLOURS = ['#56B4E9', '#F0E442', '#332288', '#88CCEE', '#44AA99', '#117733', '#999933', '#DDCC77', '#CC6677', '#882255', '#AA4499'];

/** The activation layers and every hidden dense layer (not the output layer), in forward order. */
function defaultRepresentationLayers(model: tfl.LayersModel, activations: string[]): string[] {
  const output = model.layers.at(-1)!.name;
  const wanted = new Set(activations);
  return model.layers.filter((l) => wanted.has(l.name) || (l.getClassName() === 'Dense' && l.name !== output)).map((l) => l.name);
}

function toSpec(d: ModelDescriptor): ModelSpec {
  const sources = new Map<string, string>();
  const { description } = d;
  return {
    ...d,
    description: typeof description === 'function' ? description : () => description,
    activationLayers: d.activationLayers ?? convAndPoolingLayers,
    representationLayers: d.representationLayers ?? ((model) => defaultRepresentationLayers(model, (d.activationLayers ?? convAndPoolingLayers)(model))),
    definitionSource(classes: number, imageSize: number): string {
      const key = `${classes}:${imageSize}`;
      let source = sources.get(key);
      if (source === undefined) {
        const model = d.build({ seed: 0, classes, imageSize } satisfies BuildOptions);
        source = JSON.stringify(model.toJSON(null, false));
        model.dispose();
        sources.set(key, source);
      }
      return source;
    },
  };
}

/** Loads every descriptor in `dir` (default ./zoo/): one module each, its default export. */
export async function loadModels(dir = ZOO_DIR): Promise<ModelSpec[]> {
  const files = readdirSync(dir)
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('.'))
    .sort();
  const specs: ModelSpec[] = [];
  const where = new Map<string, string>();
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default?: ModelDescriptor };
    const d = mod.default;
    // Helper modules (shared builders) export no descriptor: they are not models.
    if (!d || typeof d !== 'object' || typeof d.build !== 'function') continue;
    const other = where.get(d.id);
    if (other) throw new Error(`model id "${d.id}" is declared twice: ${other} and ${file} (ids must be unique)`);
    where.set(d.id, file);
    specs.push(toSpec(d));
  }
  if (specs.length === 0) throw new Error(`${dir}: no model files (each exports default defineModel({...}))`);
  specs.sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const taken = new Set(specs.map((s) => s.colour?.toLowerCase()).filter(Boolean));
  const spare = SPARE_COLOURS.filter((c) => !taken.has(c.toLowerCase()));
  return specs.map((s, i) => (s.colour ? s : { ...s, colour: spare[i % spare.length]! }));
}

/** Every model of this checkout, in the paper's order. */
export const MODEL_LIST: readonly ModelSpec[] = await loadModels();
/** Their ids, in the paper's order. */
export const MODEL_IDS: readonly string[] = MODEL_LIST.map((m) => m.id);
const BY_ID = new Map(MODEL_LIST.map((m) => [m.id, m]));

/** One model by id; an unknown id is a one-line error listing the known ones. */
export function getModelSpec(id: string): ModelSpec {
  const spec = BY_ID.get(id);
  if (!spec) throw new Error(`unknown model "${id}": expected one of ${MODEL_IDS.join(', ')} (model files in ${ZOO_DIR})`);
  return spec;
}

/** The models of one role, in order. */
export function modelsWithRole(role: ModelRole): ModelSpec[] {
  return MODEL_LIST.filter((m) => m.role === role);
}
