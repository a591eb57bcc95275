/** Where a run happened, for the manifest: platform, CPU, package versions and the git commit. */
import { execFileSync } from 'node:child_process';
import { cpus, platform, arch } from 'node:os';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendName, GpuAdapter, Manifest } from '../../schema/results.ts';

export function gitState(root: string): Manifest['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

function packageVersion(root: string, pkg: string): string | null {
  const file = join(root, 'node_modules', pkg, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : null;
}

function versions(root: string, backend: BackendName): Record<string, string> {
  const out: Record<string, string> = { node: process.versions.node };
  const pkgs = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', 'sharp'];
  if (backend === 'tensorflow') pkgs.push('@tensorflow/tfjs-node');
  if (backend === 'tensorflow-gpu') pkgs.push('@tensorflow/tfjs-node-gpu');
  if (backend === 'webgpu') pkgs.push('@tensorflow/tfjs-backend-webgpu', 'webgpu');
  for (const p of pkgs) {
    const v = packageVersion(root, p);
    if (v) out[p] = v;
  }
  return out;
}

export function describeEnvironment(root: string, backend: { name: BackendName; notes: string[]; adapter: GpuAdapter | null }): Manifest['environment'] {
  return {
    backend: backend.name,
    adapter: backend.adapter,
    backendNotes: backend.notes,
    versions: versions(root, backend.name),
    platform: `${platform()} ${arch()}`,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus().length,
  };
}
