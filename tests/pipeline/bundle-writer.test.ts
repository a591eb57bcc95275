import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBundle, ExportError } from '../../pipeline/export/bundle.ts';
import { readJson, BundleError } from '../../schema/bundle.ts';
import { Manifest } from '../../schema/results.ts';

describe('bundle writer', () => {
  it('refuses an invalid manifest, writes nothing, and leaves the previous bundle as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    const out = join(dir, 'results');
    mkdirSync(out);
    writeFileSync(join(out, 'manifest.json'), '{"previous": true}');
    expect(() => writeBundle(out, { schemaVersion: 1 } as unknown as Manifest, [], new Uint8Array(0))).toThrow(ExportError);
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe('{"previous": true}');
    // No temporary directory is left beside it.
    expect(readdirSync(dir)).toEqual(['results']);
  });

  it('reports a malformed results file by file and field, in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
    const file = join(dir, 'manifest.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, seed: 'x' }));
    expect(() => readJson(file, Manifest)).toThrow(BundleError);
    try {
      readJson(file, Manifest);
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg.split('\n')).toHaveLength(1);
      expect(msg).toContain(file);
      expect(msg).toMatch(/profile|seed/);
    }
    writeFileSync(file, '{ not json');
    expect(() => readJson(file, Manifest)).toThrow(/not valid JSON/);
    expect(() => readJson(join(dir, 'missing.json'), Manifest)).toThrow(/not found/);
  });
});
