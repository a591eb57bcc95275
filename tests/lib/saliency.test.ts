/** The saliency section's numbers and sentences, on results whose answers are known, both ways round. */
import { describe, expect, it } from 'vitest';
import type { ModelResult } from '../../schema/results.ts';
import { saliencyRows, saliencyText, saliencyUnavailable } from '../../src/lib/saliency.ts';

const n = 40;
const wobble = (base: number, i: number) => Math.min(1, Math.max(0, base + ((i % 5) - 2) * 0.01));
function model(id: string, name: string, del: number, ins: number, rdel: number, rins: number, h = 8): ModelResult {
  const arr = (b: number) => Array.from({ length: n }, (_, i) => wobble(b, i));
  return { id, name, saliency: { layer: 'conv', height: h, width: h, steps: 16, deletion: arr(del), insertion: arr(ins), randomDeletion: arr(rdel), randomInsertion: arr(rins), sampleMaps: [] } } as unknown as ModelResult;
}

describe('saliency section', () => {
  it('separates maps that beat a random order on both scores, one, or neither', () => {
    const models = [model('a', 'Faithful', 0.2, 0.8, 0.5, 0.5), model('b', 'Half', 0.2, 0.5, 0.5, 0.5, 2), model('c', 'Random', 0.5, 0.5, 0.5, 0.5)];
    const rows = saliencyRows(models);
    expect(rows.map((r) => r.images)).toEqual([40, 40, 40]);
    expect(rows[0]!.deletion.difference).toBeCloseTo(-0.3, 10);
    expect(rows[0]!.deletion.differenceCI[1]).toBeLessThan(0);
    expect(rows[2]!.deletion.differenceCI).toEqual([0, 0]);
    const text = saliencyText(rows).join(' ');
    expect(text).toContain('Faithful: removing pixels in the map');
    expect(text).toContain('Half: better than random on deletion, not separated from random on insertion');
    expect(text).toContain('Random: not separated from random on deletion and insertion');
    expect(text).toContain('this test does not show that the maps point at what the model uses');
    expect(text).toContain('8 × 8 for Faithful, 2 × 2 for Half and 8 × 8 for Random');
  });

  it('says so when no map beats random, and names a network without Grad-CAM', () => {
    const models = [model('a', 'A', 0.6, 0.4, 0.5, 0.5), { id: 'x', name: 'X', saliency: { unavailable: 'its last layer is not a Dense softmax' } } as unknown as ModelResult];
    const rows = saliencyRows(models);
    expect(rows).toHaveLength(1);
    const text = saliencyText(rows, saliencyUnavailable(models)).join(' ');
    expect(text).not.toContain('removing pixels in the map');
    expect(text).toContain('A: worse than random on deletion and insertion');
    expect(text).toContain('Deletion sets pixels to black');
    expect(text).toContain('No Grad-CAM for X (its last layer is not a Dense softmax).');
    expect(saliencyText([])).toEqual([]);
  });
});
