/**
 * The local server for built sites (scripts/serve-dist.ts): under the base path only, and,
 * for page-speed measurements, like GitHub Pages (text gzip-compressed and cacheable; the
 * site's own .gz files sent as they are, for the page to inflate).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { gzipSync, gunzipSync } from 'node:zlib';
import { serveDist } from '../../scripts/serve-dist.ts';

const html = `<!doctype html><title>t</title>${'<p>text that compresses well</p>'.repeat(200)}`;
const weights = gzipSync(Buffer.from('weights'));
let dir: string;

/** A raw GET (fetch would inflate gzip itself and hide the header). */
function get(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((done, fail) => {
    request(url, { agent: false, headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', fail)
      .end();
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'serve-dist-'));
  writeFileSync(join(dir, 'index.html'), html);
  mkdirSync(join(dir, 'tryit'));
  writeFileSync(join(dir, 'tryit', 'weights.bin.gz'), weights);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('serveDist', () => {
  it('serves files as they are by default, and nothing outside the base path', async () => {
    const server = await serveDist(dir, '/site/');
    try {
      const page = await get(server.url);
      expect(page.status).toBe(200);
      expect(page.headers['content-encoding']).toBeUndefined();
      expect(page.body.toString()).toBe(html);
      expect((await get(server.url.replace('/site/', '/index.html'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('like GitHub Pages: gzips text, lets it be cached, and sends a .gz file untouched', async () => {
    const server = await serveDist(dir, '/site/', { likePages: true });
    try {
      const page = await get(server.url);
      expect(page.headers['content-encoding']).toBe('gzip');
      expect(page.headers['cache-control']).toMatch(/max-age=600/);
      expect(page.body.length).toBeLessThan(html.length / 5);
      expect(gunzipSync(page.body).toString()).toBe(html);
      const gz = await get(`${server.url}tryit/weights.bin.gz`);
      expect(gz.headers['content-encoding']).not.toBe('gzip');
      expect(gz.body.equals(weights)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
