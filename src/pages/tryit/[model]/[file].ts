/**
 * Each compact CNN's browser export, from the results bundle: model.json, and its weights
 * gzip-compressed as weights.bin.gz (model.json names that file; the page inflates it,
 * components/tryit/gzip-fetch.ts), so the download is the weights' gzip size on any server.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { browserModels, exportFile, gzipWeights, WEIGHTS_GZ_FILE } from '../../../components/tryit/data.ts';

const FILES = ['model.json', WEIGHTS_GZ_FILE] as const;

export const getStaticPaths = (() => browserModels().flatMap((m) => FILES.map((file) => ({ params: { model: m.id, file } })))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ params }) => {
  const file = FILES.find((f) => f === params.file);
  if (!file || !params.model) throw new RangeError(`tryit: unexpected export file ${params.model}/${params.file}`);
  if (file === WEIGHTS_GZ_FILE) return new Response(gzipWeights(params.model).slice(), { headers: { 'Content-Type': 'application/gzip' } });
  const json = JSON.parse(new TextDecoder().decode(exportFile(params.model, 'model.json'))) as { weightsManifest: { paths: string[] }[] };
  for (const group of json.weightsManifest) group.paths = group.paths.map((p) => `${p}.gz`);
  return new Response(JSON.stringify(json), { headers: { 'Content-Type': 'application/json' } });
};
