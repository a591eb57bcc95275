/** npm run weigh refuses a --base the build was not made for, instead of weighing 404s. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assetBase, checkBase, detectBase } from '../../scripts/weigh.ts';

const dist = (html: string): string => {
  const d = mkdtempSync(join(tmpdir(), 'weigh-base-'));
  writeFileSync(join(d, 'index.html'), html);
  return d;
};

describe('weigh --base', () => {
  it('reads the asset base of a page built at the root and under a path', () => {
    expect(assetBase('<script type="module" src="/_astro/app.X.js"></script>')).toBe('/');
    expect(assetBase('<link rel="stylesheet" href="/medical-mnist-report/_astro/a.css">')).toBe('/medical-mnist-report/');
    expect(assetBase('<p>no assets</p>')).toBeNull();
  });

  it('refuses a base that does not match the build, naming the right one', () => {
    const d = dist('<script type="module" src="/_astro/app.X.js"></script>');
    expect(() => checkBase(d, '/medical-mnist-report/')).toThrow(/links its assets under \/; pass --base \//);
    expect(() => checkBase(d, '/')).not.toThrow();
  });

  it('detects the base from the assets when the page has no canonical link', () => {
    expect(detectBase(dist('<script src="/x/_astro/app.js"></script>'))).toBe('/x/');
    expect(() => detectBase(dist('<p>nothing</p>'))).toThrow(/pass --base/);
  });

  it('names a folder that holds no built site, rather than failing to open a file in it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'weigh-base-'));
    expect(() => detectBase(empty)).toThrow(`${empty}: no built site here (no index.html)`);
  });
});
