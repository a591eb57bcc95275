import { describe, expect, it } from 'vitest';
import { backendNotes } from '../../src/lib/environment.ts';

describe('the environment appendix’s backend notes', () => {
  it('says in a few words why each earlier backend was passed over, and prints no install or driver error', () => {
    const notes = [
      'tensorflow-gpu: not installed (optional dependency; its install needs network access to download libtensorflow)',
      "webgpu: Dawn found no WebGPU adapter: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory",
      'tensorflow: Error: /work/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node: cannot open shared object file',
      'wasm: SIMD, training kernels (relaxed-simd) on 2 threads',
    ];
    const r = backendNotes(notes, 'wasm');
    expect(r.passedOver).toEqual(['tensorflow-gpu (not installed)', 'webgpu (no GPU adapter on the build machine)', 'tensorflow (not available)']);
    expect(r.notes).toEqual(['wasm: SIMD, training kernels (relaxed-simd) on 2 threads']);
    expect(JSON.stringify(r)).not.toMatch(/libvulkan|Couldn't|cannot open|\/work\//);
  });

  it('keeps the settings a run made and the chosen backend’s notes', () => {
    const r = backendNotes(['webgpu: no GPU adapter, so VK_ICD_FILENAMES=/usr/lib/x.json (SwiftShader, a software Vulkan driver on the CPU)', 'webgpu: XDG_RUNTIME_DIR=/tmp/x (it was unset)'], 'webgpu');
    expect(r.passedOver).toEqual([]);
    expect(r.notes).toHaveLength(2);
  });
});
