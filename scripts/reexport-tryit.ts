/**
 * `npx tsx scripts/reexport-tryit.ts --bundle DIR --out DIR [--data ZIP] [--cache-dir DIR]`:
 * re-runs the browser export (pipeline/export/tfjs-model.ts, its whole ladder and accuracy
 * gate) for the compact CNNs of an existing results bundle, without retraining, and writes
 * a copy of the bundle with the new exports into --out.
 *
 * For measuring changes to the export on a real run's models in minutes rather than a
 * 45-minute build. One caveat, stated in its output: the model cache keeps no float
 * weights, so the starting point is the bundle's exported model (its uint8 or uint16
 * weights decoded by tfjs), so the gate compares each encoding's validation accuracy with
 * that exported model's, and the float model's test accuracy is the one recorded in the
 * bundle. `npm run build` exports from the float weights.
 */
import { cpSync, existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { loadDataset } from '../pipeline/data/dataset.ts';
import { exportForBrowser, loadExported, describeVariant } from '../pipeline/export/tfjs-model.ts';
import { BROWSER_WEIGHTS_FILE, browserModelFolder, modelJsonPath, readManifest, readModel } from '../schema/bundle.ts';
import { ModelResult } from '../schema/results.ts';
import { MODEL_LIST } from '../pipeline/models/registry.ts';

const { values: args } = parseArgs({
  options: { bundle: { type: 'string' }, out: { type: 'string' }, data: { type: 'string', default: '../shared/data/medical-mnist.zip' }, 'cache-dir': { type: 'string', default: '.cache' } },
});
if (!args.bundle || !args.out) throw new Error('usage: reexport-tryit --bundle DIR --out DIR [--data ZIP] [--cache-dir DIR]');
const bundle = resolve(args.bundle);
const out = resolve(args.out);
if (existsSync(out)) throw new Error(`${out}: already exists; give a new folder`);

await tf.setBackend('wasm');
await tf.ready();
const manifest = readManifest(bundle);
const ds = await loadDataset(resolve(args.data!), { cacheDir: join(resolve(args['cache-dir']!), 'datasets') });
if (ds.dataset.fingerprint !== manifest.dataset.fingerprint) throw new Error(`${args.data}: not the data of ${bundle} (fingerprint differs)`);
const data = { images: ds.images, labels: ds.labels, numClasses: ds.classes.length, imageSize: ds.dataset.imageSize };
const splits = JSON.parse(readFileSync(join(bundle, 'splits.json'), 'utf8')) as { files: string[]; membership: Record<string, string> };
if (splits.files.join('\n') !== ds.files.join('\n')) throw new Error(`${bundle}/splits.json: its files are not the dataset's, in its order`);
const primary = manifest.protocols?.[0]?.protocol ?? 'image';
const test = Int32Array.from([...splits.membership[primary]!].flatMap((c, i) => (c === 't' ? [i] : [])));
const validation = Int32Array.from([...splits.membership[primary]!].flatMap((c, i) => (c === 'v' ? [i] : [])));
const index = new Map(ds.files.map((f, i) => [f, i]));
const samples = Int32Array.from(manifest.samples.files.map((f) => index.get(f)!));

cpSync(bundle, out, { recursive: true });
for (const id of MODEL_LIST.filter((m) => m.browser).map((m) => m.id)) {
  const result = readModel(bundle, modelJsonPath(id));
  if (!result.browser) continue;
  const folder = join(bundle, browserModelFolder(id));
  const start = await loadExported({ modelJson: readFileSync(join(folder, 'model.json'), 'utf8'), weights: new Uint8Array(readFileSync(join(folder, BROWSER_WEIGHTS_FILE))) });
  const floatCorrect = Math.round(result.browser.floatAccuracy * result.browser.testImages);
  if (result.browser.testImages !== test.length) throw new Error(`${id}: its export was judged on ${result.browser.testImages} images, the ${primary} test split has ${test.length}`);
  console.log(`${id}: from its ${describeVariant(result.browser)} export; float model ${floatCorrect}/${test.length} correct (recorded)`);
  const t0 = Date.now();
  const { files, record } = await exportForBrowser(start, data, { validation, test }, samples, { floatTestCorrect: floatCorrect, log: (l) => console.log(`  ${l}`) });
  start.dispose();
  const browser = { modelFile: result.browser.modelFile, ...record };
  writeFileSync(join(out, modelJsonPath(id)), JSON.stringify(ModelResult.parse({ ...result, browser })));
  mkdirSync(join(out, browserModelFolder(id)), { recursive: true });
  writeFileSync(join(out, browserModelFolder(id), 'model.json'), files.modelJson);
  writeFileSync(join(out, browserModelFolder(id), BROWSER_WEIGHTS_FILE), files.weights);
  console.log(`  chosen: ${describeVariant(record)}, ${record.weightBytes} bytes, gzip ${record.gzipBytes}, accuracy ${(record.accuracy * 100).toFixed(2)} % vs float ${(record.floatAccuracy * 100).toFixed(2)} % (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
