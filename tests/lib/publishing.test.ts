import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { remoteWebUrl } from '../../src/lib/publishing.ts';

describe('the repository the page links to', () => {
  it('is the git remote as a web address, whatever form the remote takes', () => {
    expect(remoteWebUrl('git@github.com:owner/name.git')).toBe('https://github.com/owner/name');
    expect(remoteWebUrl('https://github.com/owner/name.git')).toBe('https://github.com/owner/name');
    expect(remoteWebUrl('https://token@github.com/owner/name')).toBe('https://github.com/owner/name');
    expect(remoteWebUrl('ssh://git@gitlab.example.org:2222/group/sub/name.git')).toBe('https://gitlab.example.org/group/sub/name');
    expect(remoteWebUrl('git@codeberg.org:owner/name')).toBe('https://codeberg.org/owner/name');
  });

  it('is nothing for a remote that has no web address (a local path, a file: URL, none)', () => {
    for (const r of ['/work/main', '../main.git', 'file:///srv/git/name.git', '', undefined]) expect(remoteWebUrl(r), String(r)).toBeUndefined();
  });

  it('is never a placeholder: the references and the masthead print no "not configured" text', () => {
    for (const file of ['src/lib/references.ts', 'src/layouts/Paper.astro']) {
      expect(readFileSync(join(import.meta.dirname, '../..', file), 'utf8'), file).not.toMatch(/not configured|set REPOSITORY_URL/);
    }
  });
});
