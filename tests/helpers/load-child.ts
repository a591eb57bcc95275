/**
 * Loads a dataset in a process of its own and prints one JSON line: what was read and
 * skipped, the error if any, the wall time, and the process's own peak memory
 * (process.resourceUsage().maxRSS, KiB), so a test can bound memory without timing.
 *
 *   tsx tests/helpers/load-child.ts <data> <cacheDir> [options as JSON]
 */
import { loadDataset } from '../../pipeline/data/dataset.ts';

const [source, cacheDir, json] = process.argv.slice(2);
const options = json ? (JSON.parse(json) as Record<string, unknown>) : {};
const warnings: string[] = [];
const started = performance.now();
let result: Record<string, unknown>;
try {
  const ds = await loadDataset(source!, { cacheDir: cacheDir!, warn: (l) => warnings.push(l), ...options });
  result = { ok: true, total: ds.dataset.total, files: ds.files.length <= 100 ? ds.files : undefined, skipped: ds.dataset.skipped, ignored: ds.dataset.ignored };
} catch (e) {
  result = { ok: false, error: String((e as Error)?.message ?? e), name: (e as Error)?.name };
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ ...result, warnings, seconds, maxRSSKiB: process.resourceUsage().maxRSS }));
