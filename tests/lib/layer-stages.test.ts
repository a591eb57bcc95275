import { describe, expect, it } from 'vitest';
import { isPreprocessing, layerStages } from '../../src/lib/architecture.ts';

const layer = (name: string, params: number, outputShape: number[]) => ({ name, type: 'Conv2D', outputShape, params, macs: params * 10 });

describe('a long model’s layers summed by stage', () => {
  it('groups consecutive layers by the first part of their names, summing parameters and MACs, keeping the last shape', () => {
    const stages = layerStages({
      layers: [layer('imagenet_preprocess', 6, [64, 64, 3]), layer('conv1_pad', 0, [70, 70, 3]), layer('conv1_conv', 9408, [32, 32, 64]), layer('conv2_block1_1_conv', 4096, [16, 16, 64]), layer('conv2_block1_out', 0, [16, 16, 256]), layer('predictions', 12294, [6])],
    } as never);
    expect(stages.map((s) => [s.name, s.layers, s.params, s.outputShape.join('×')])).toEqual([
      ['imagenet', 1, 6, '64×64×3'],
      ['conv1', 2, 9408, '32×32×64'],
      ['conv2', 2, 4096, '16×16×256'],
      ['predictions', 1, 12294, '6'],
    ]);
    expect(stages.reduce((s, x) => s + x.macs, 0)).toBe((6 + 9408 + 4096 + 12294) * 10);
  });

  it('knows a preprocessing layer by its name', () => {
    expect(isPreprocessing({ name: 'imagenet_preprocess' })).toBe(true);
    expect(isPreprocessing({ name: 'conv1_conv' })).toBe(false);
  });
});
