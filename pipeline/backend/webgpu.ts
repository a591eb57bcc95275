/**
 * The WebGPU backend: @tensorflow/tfjs-backend-webgpu on Dawn (the npm package `webgpu`),
 * which needs no CUDA, only a Vulkan driver (Linux), Metal (macOS) or D3D12 (Windows).
 *
 * Two steps, so that a machine without a usable adapter costs a clean note rather than
 * native warnings on stderr (or a crash of the pipeline inside the driver):
 *  1. probe: a short child process asks Dawn for an adapter and reports what it is;
 *  2. enable: only then is Dawn loaded here and the tfjs backend registered on it.
 *
 * tfjs-backend-webgpu registers itself only if `navigator.gpu` exists when it is imported,
 * so it is imported after Dawn is installed there. Its synchronous reads (`dataSync`)
 * need OffscreenCanvas, which Node lacks: the pipeline reads tensors with data()/array().
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GpuAdapter } from '../../schema/results.ts';

export type { GpuAdapter };

/** Where Chromium packages keep SwiftShader's Vulkan driver manifest (Debian's chromium first). */
function swiftShaderCandidates(env: NodeJS.ProcessEnv): string[] {
  const fromChromium = env['CHROMIUM_PATH'] && existsSync(env['CHROMIUM_PATH']) ? [join(dirname(realpathSync(env['CHROMIUM_PATH'])), 'vk_swiftshader_icd.json')] : [];
  return [...fromChromium, '/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib/chromium-browser/vk_swiftshader_icd.json'];
}

export function findSwiftShaderIcd(env: NodeJS.ProcessEnv = process.env): string | null {
  return swiftShaderCandidates(env).find((f) => existsSync(f)) ?? null;
}

/**
 * Software adapters: WebGPU's own flag where the implementation sets it, else the known
 * CPU implementations by name (SwiftShader, Mesa's llvmpipe/lavapipe, Windows' WARP).
 */
export function isSoftwareAdapter(info: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }): boolean {
  if (info.isFallbackAdapter === true) return true;
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  return /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i.test(text);
}

export function describeAdapter(a: GpuAdapter): string {
  const parts = [a.vendor || 'unknown vendor', a.architecture, a.description || a.device].filter(Boolean);
  return `${parts.join(', ')}${a.software ? ' (software, on the CPU)' : ''}`;
}

/** The probe, run by a child `node`: prints one JSON line with the adapter or null. */
const PROBE = (dawnUrl: string) => `
const { create, globals } = await import(${JSON.stringify(dawnUrl)});
Object.assign(globalThis, globals);
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
let info = null;
if (adapter) {
  const i = adapter.info ?? (adapter.requestAdapterInfo ? await adapter.requestAdapterInfo() : {});
  info = { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '',
           isFallbackAdapter: i.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false };
}
process.stdout.write('\\n' + JSON.stringify({ adapter: info }) + '\\n');
process.exit(0);
`;

export type Probe = { adapter: GpuAdapter } | { adapter: null; reason: string };

function dawnUrl(): string {
  // Resolved from here, so the child finds the project's copy whatever its working folder.
  return pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
}

/** Asks Dawn, in a child process, for the adapter the backend would get. */
export function probeAdapter(env: NodeJS.ProcessEnv = process.env): Probe {
  let url: string;
  try {
    url = dawnUrl();
  } catch {
    return { adapter: null, reason: 'the webgpu package (Dawn) is not installed (optional dependency)' };
  }
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE(url)], { env, encoding: 'utf8', timeout: 60_000 });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  let parsed: { adapter: (GpuAdapter & { isFallbackAdapter: boolean }) | null } | null = null;
  try {
    parsed = JSON.parse(last);
  } catch {
    /* reported below */
  }
  if (parsed?.adapter) {
    const { isFallbackAdapter, ...a } = parsed.adapter;
    return { adapter: { vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description, software: isSoftwareAdapter({ ...a, isFallbackAdapter }) } };
  }
  // Dawn says why on stderr (e.g. "Couldn't load Vulkan: libvulkan.so.1: cannot open ..."):
  // keep its first warning or error line, without the source location lines.
  const said = (r.stderr ?? '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^(warning|error)\b/i.test(l) && !/XDG_RUNTIME_DIR/.test(l));
  const why = parsed ? 'Dawn found no WebGPU adapter' : r.error ? `the adapter probe failed (${r.error.message})` : `the adapter probe exited with ${r.signal ?? `code ${r.status}`}`;
  return { adapter: null, reason: said ? `${why}: ${said.replace(/^(warning|error):\s*/i, '')}` : why };
}

/**
 * Only when webgpu is asked for by name and the system offers no adapter: point the
 * Vulkan loader at Chromium's SwiftShader (a software Vulkan driver), unless the user
 * chose a Vulkan driver (VK_ICD_FILENAMES / VK_DRIVER_FILES) themselves. XDG_RUNTIME_DIR
 * is given a private folder when unset (Vulkan's loader and Mesa complain without one).
 * Returns a note for each variable set.
 */
export function useSwiftShaderDefaults(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env['VK_ICD_FILENAMES'] || env['VK_DRIVER_FILES']) return [];
  const icd = findSwiftShaderIcd(env);
  if (!icd) return [];
  const notes = [`webgpu: no GPU adapter, so VK_ICD_FILENAMES=${icd} (SwiftShader, a software Vulkan driver on the CPU)`];
  env['VK_ICD_FILENAMES'] = icd;
  if (!env['XDG_RUNTIME_DIR']) {
    const dir = join(tmpdir(), `webgpu-runtime-${userInfo().uid}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    env['XDG_RUNTIME_DIR'] = dir;
    notes.push(`webgpu: XDG_RUNTIME_DIR=${dir} (it was unset)`);
  }
  return notes;
}

/**
 * Finds the adapter for `--backend webgpu` (`software` allowed: asked for by name) or for
 * `auto` (a hardware adapter only: SwiftShader trains slower than wasm). Throws with the
 * reason when there is none.
 */
export function findAdapter(opts: { allowSoftware: boolean }): { adapter: GpuAdapter; notes: string[] } {
  let probe = probeAdapter();
  const notes: string[] = [];
  if (!probe.adapter && opts.allowSoftware) {
    const set = useSwiftShaderDefaults();
    if (set.length) {
      notes.push(...set);
      probe = probeAdapter();
    }
  }
  if (!probe.adapter) {
    const hint = findSwiftShaderIcd() || !opts.allowSoftware ? '' : ' (for a software GPU install chromium, whose SwiftShader Vulkan driver Dawn can use)';
    throw new Error(`${probe.reason}${hint}`);
  }
  if (probe.adapter.software && !opts.allowSoftware)
    throw new Error(`only a software adapter, ${describeAdapter(probe.adapter)}, which trains slower than wasm (--backend webgpu uses it anyway)`);
  return { adapter: probe.adapter, notes };
}

interface DawnModule {
  create(options: string[]): unknown;
  globals: Record<string, unknown>;
}

/** Loads Dawn into this process, installs it as navigator.gpu, and starts tfjs' webgpu backend. */
export async function enableWebgpu(opts: { allowSoftware: boolean }): Promise<{ adapter: GpuAdapter; notes: string[] }> {
  const { adapter, notes } = findAdapter(opts);
  const dawn = (await import('webgpu' as string)) as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const g = globalThis as { navigator?: object };
  // Node 21+ has a navigator object of its own; add gpu to it rather than replace it.
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else g.navigator = { gpu };
  await import('@tensorflow/tfjs-backend-webgpu' as string);
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend failed to initialise');
  return { adapter, notes };
}
