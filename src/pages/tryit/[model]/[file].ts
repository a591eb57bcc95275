/** Each compact CNN's browser export (model.json and weights.bin), copied from the results bundle. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { browserModels, exportFile } from '../../../components/tryit/data.ts';
import { BROWSER_WEIGHTS_FILE } from '../../../../schema/bundle.ts';

const FILES = ['model.json', BROWSER_WEIGHTS_FILE] as const;

export const getStaticPaths = (() => browserModels().flatMap((m) => FILES.map((file) => ({ params: { model: m.id, file } })))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ params }) => {
  const file = FILES.find((f) => f === params.file);
  if (!file || !params.model) throw new RangeError(`tryit: unexpected export file ${params.model}/${params.file}`);
  return new Response(exportFile(params.model, file).slice(), {
    headers: { 'Content-Type': file === 'model.json' ? 'application/json' : 'application/octet-stream' },
  });
};
