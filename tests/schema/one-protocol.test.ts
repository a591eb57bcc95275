/**
 * `--split image` (or `grouped`) alone evaluates one protocol, so per-protocol records hold
 * one key: the schema must accept that bundle, and still reject a protocol it does not know.
 */
import { describe, expect, it } from 'vitest';
import { ModelResult } from '../../schema/results.ts';
import { modelResult } from '../helpers/study-bundle.ts';

const stat = { n: 1, mean: 0.99, std: 0, min: 0.99, max: 0.99 };
const summary = { accuracy: stat, macroAuc: stat, macroF1: stat };

describe('a bundle of one protocol', () => {
  it('accepts a model summary with the image protocol only', () => {
    const m = { ...modelResult('tiny-cnn'), summary: { image: summary } };
    expect(ModelResult.safeParse(m).success).toBe(true);
  });

  it('accepts a model summary with the grouped protocol only', () => {
    const m = { ...modelResult('tiny-cnn'), summary: { grouped: summary } };
    expect(ModelResult.safeParse(m).success).toBe(true);
  });

  it('rejects a protocol the schema does not know', () => {
    const m = { ...modelResult('tiny-cnn'), summary: { image: summary, patient: summary } };
    expect(ModelResult.safeParse(m).success).toBe(false);
  });
});
