/**
 * Backend choice around WebGPU: a software adapter (SwiftShader here) is found and named,
 * used when asked for by name, and never chosen by `auto`; the full profile is the
 * default only on a hardware adapter.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { findSwiftShaderIcd, isSoftwareAdapter, probeAdapter } from '../../pipeline/backend/webgpu.ts';
import { onGpu, selectBackend } from '../../pipeline/backend/select.ts';

const hardware = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200', software: false };
const swiftshader = { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', software: true };

describe('webgpu adapter selection', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it('tells software adapters from GPUs', () => {
    expect(isSoftwareAdapter({ ...swiftshader, isFallbackAdapter: false })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', description: 'NVIDIA H200', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' })).toBe(false);
    expect(onGpu({ name: 'webgpu', notes: [], adapter: hardware })).toBe(true);
    expect(onGpu({ name: 'webgpu', notes: [], adapter: swiftshader })).toBe(false);
    expect(onGpu({ name: 'wasm', notes: [], adapter: null })).toBe(false);
  });

  it('finds SwiftShader (chromium\'s software Vulkan driver) and reports it as software', () => {
    const icd = findSwiftShaderIcd();
    expect(icd, 'no SwiftShader Vulkan driver: install chromium (apt-get install chromium), which ships vk_swiftshader_icd.json').not.toBeNull();
    const probe = probeAdapter({ ...process.env, VK_ICD_FILENAMES: icd!, XDG_RUNTIME_DIR: process.env['XDG_RUNTIME_DIR'] ?? '/tmp' });
    expect(probe.adapter, probe.adapter ? '' : `no adapter: ${(probe as { reason: string }).reason} (Vulkan loader: apt-get install libvulkan1)`).not.toBeNull();
    expect(probe.adapter!.software).toBe(true);
    expect(probe.adapter!.description).toMatch(/SwiftShader/i);
  });

  it('auto passes over the software adapter and says why', async () => {
    process.env['VK_ICD_FILENAMES'] = findSwiftShaderIcd()!;
    const chosen = await selectBackend('auto', { threads: 1 });
    expect(chosen.name).not.toBe('webgpu');
    expect(chosen.adapter).toBeNull();
    expect(chosen.notes.join('\n')).toMatch(/^webgpu: only a software adapter, google, swiftshader, SwiftShader/m);
  });
});
