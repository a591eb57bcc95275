import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STUDY } from '../../src/lib/study.ts';

describe('the study’s reported figures', () => {
  it('quote the study’s own description, word for word', () => {
    const text = readFileSync(join(import.meta.dirname, '../..', STUDY.source.file), 'utf8');
    for (const f of STUDY.figures) expect(text, f.quote).toContain(f.quote);
  });
});
