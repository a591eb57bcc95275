import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { findDataSource, resolveDataSource, DataNotFound, DATA_ENV } from '../../pipeline/data/locate.ts';
import { downloadDataset } from '../../pipeline/data/download.ts';
import { fingerprintArchive } from '../../pipeline/data/fingerprint.ts';
import { loadDataset } from '../../pipeline/data/dataset.ts';
import { DataError } from '../../pipeline/data/errors.ts';
import { cleanFiles, githubExtras, GITHUB_PREFIX, writeZip } from '../helpers/data-files.ts';

const work = mkdtempSync(path.join(tmpdir(), 'locate-test-'));
let n = 0;
const fresh = (name: string) => path.join(work, `${name}-${n++}`);

/** A project root, optionally with `data/medical-mnist.zip`, `data/medical-mnist/` and a sibling `shared/data/medical-mnist.zip`. */
function project(has: { zip?: boolean; folder?: boolean; shared?: boolean }) {
  const base = fresh('machine');
  const root = path.join(base, 'main');
  mkdirSync(root, { recursive: true });
  if (has.zip) {
    mkdirSync(path.join(root, 'data'), { recursive: true });
    writeFileSync(path.join(root, 'data/medical-mnist.zip'), 'zip');
  }
  if (has.folder) mkdirSync(path.join(root, 'data/medical-mnist'), { recursive: true });
  if (has.shared) {
    mkdirSync(path.join(base, 'shared/data'), { recursive: true });
    writeFileSync(path.join(base, 'shared/data/medical-mnist.zip'), 'zip');
  }
  return root;
}

describe('findDataSource', () => {
  it('prefers --data, then the environment, then data/medical-mnist.zip, data/medical-mnist/, ../shared', () => {
    const root = project({ zip: true, folder: true, shared: true });
    const explicit = path.join(root, 'data/medical-mnist'); // any existing path will do
    expect(findDataSource({ projectRoot: root, cliPath: explicit, env: { [DATA_ENV]: path.join(root, 'data/medical-mnist.zip') } })).toEqual({ path: explicit, how: '--data' });
    expect(findDataSource({ projectRoot: root, env: { [DATA_ENV]: 'data/medical-mnist' }, cwd: root })).toEqual({ path: explicit, how: `$${DATA_ENV}` });
    expect(findDataSource({ projectRoot: root, env: {} }).path).toBe(path.join(root, 'data/medical-mnist.zip'));
    expect(findDataSource({ projectRoot: project({ folder: true, shared: true }), env: {} }).how).toMatch(/data\/medical-mnist\/$/);
    const shared = project({ shared: true });
    expect(findDataSource({ projectRoot: shared, env: { [DATA_ENV]: '' } })).toEqual({
      path: path.resolve(shared, '../shared/data/medical-mnist.zip'),
      how: 'shared copy ../shared/data/medical-mnist.zip',
    });
  });

  it('fails on an explicit path that does not exist instead of falling back', () => {
    const root = project({ zip: true });
    expect(() => findDataSource({ projectRoot: root, cliPath: 'nope.zip', env: {} })).toThrow(/^--data nope\.zip: no such file or folder \(expected a folder or a \.zip/);
    expect(() => findDataSource({ projectRoot: root, env: { [DATA_ENV]: '/no/such/dir' } })).toThrow(new RegExp(`^${DATA_ENV}=/no/such/dir: no such file or folder`));
  });

  it('lists the places it looked at when there is nothing', () => {
    const root = project({});
    let err: unknown;
    try {
      findDataSource({ projectRoot: root, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataNotFound);
    expect((err as Error).message).toContain(path.join(root, 'data/medical-mnist.zip'));
    expect((err as Error).message).toContain(path.resolve(root, '../shared/data/medical-mnist.zip'));
    expect((err as Error).message).toMatch(/pass --data <folder\|zip> or set MEDICAL_MNIST_DATA$/);
  });
});

describe('download (from a local HTTP server)', () => {
  let server: Server;
  let base: string;
  let zip: Buffer;
  let fingerprint: string;
  let closedPort: number;

  beforeAll(async () => {
    const file = writeZip(fresh('origin') + '.zip', await cleanFiles(['AbdomenCT', 'CXR', 'Hand'], 4), { prefix: GITHUB_PREFIX, extra: await githubExtras() });
    zip = readFileSync(file);
    fingerprint = await fingerprintArchive(file);
    server = createServer((req, res) => {
      if (req.url === '/archive.zip') {
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length });
        // in pieces, as a real download arrives
        const third = Math.ceil(zip.length / 3);
        res.write(zip.subarray(0, third));
        res.write(zip.subarray(third, 2 * third));
        res.end(zip.subarray(2 * third));
      } else if (req.url === '/chunked.zip') {
        res.writeHead(200, { 'content-type': 'application/zip' });
        res.end(zip);
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: '/archive.zip' });
        res.end();
      } else if (req.url === '/cut.zip') {
        res.writeHead(200, { 'content-length': zip.length });
        res.write(zip.subarray(0, 1000), () => res.destroy());
      } else {
        res.writeHead(404);
        res.end('not found');
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const other = createServer();
    await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok));
    closedPort = (other.address() as AddressInfo).port;
    await new Promise((ok) => other.close(ok));
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  for (const route of ['/archive.zip', '/chunked.zip', '/redirect']) {
    it(`streams ${route} to a temporary file, checks the fingerprint, renames it into place`, async () => {
      const dest = path.join(fresh('dl'), 'data/medical-mnist.zip');
      const lines: string[] = [];
      const got = await downloadDataset({ url: base + route, dest, expectedFingerprint: fingerprint, log: (l) => lines.push(l) });
      expect(got).toEqual({ path: dest, bytes: zip.length, fingerprint });
      expect(readFileSync(dest).equals(zip)).toBe(true);
      expect(readdirSync(path.dirname(dest))).toEqual(['medical-mnist.zip']);
      if (route !== '/chunked.zip') expect(lines.join('\n')).toMatch(/downloaded 0\.0 MB of 0\.0 MB \(\d+ %\)/);
      expect(lines.join('\n')).toMatch(/checking its content fingerprint/);
    });
  }

  const failures: [string, () => string, RegExp][] = [
    ['a fingerprint mismatch', () => '/archive.zip', /have content fingerprint [0-9a-f]{64}, expected 0{64}/],
    ['HTTP 404', () => '/missing.zip', /download of .*\/missing\.zip failed: HTTP 404/],
    ['a connection cut short', () => '/cut.zip', /download of .*\/cut\.zip (failed|stopped)/],
    ['a refused connection', () => `CLOSED`, /download of .* failed: connect ECONNREFUSED/],
  ];
  for (const [what, route, pattern] of failures) {
    it(`fails with one line and leaves nothing behind on ${what}`, async () => {
      const dir = fresh('dl-fail');
      const dest = path.join(dir, 'data/medical-mnist.zip');
      const url = route() === 'CLOSED' ? `http://127.0.0.1:${closedPort}/x.zip` : base + route();
      const err = await downloadDataset({ url, dest, expectedFingerprint: '0'.repeat(64) }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(pattern);
      expect((err as Error).message).not.toContain('\n');
      expect(existsSync(dest)).toBe(false);
      expect(readdirSync(path.join(dir, 'data'))).toEqual([]);
    });
  }

  it('resolveDataSource downloads into data/ when nothing is found, and the result loads', async () => {
    const root = project({});
    const lines: string[] = [];
    const source = await resolveDataSource({ projectRoot: root, env: {}, log: (l) => lines.push(l), download: { url: `${base}/archive.zip`, expectedFingerprint: fingerprint } });
    expect(source).toEqual({ path: path.join(root, 'data/medical-mnist.zip'), how: `downloaded from ${base}/archive.zip` });
    expect(lines[0]).toMatch(/no local copy of Medical MNIST \(looked at .*\); downloading it/);
    const ds = await loadDataset(source.path, { cacheDir: path.join(root, '.cache') });
    expect(ds.dataset.fingerprint).toBe(fingerprint);
    expect(ds.classes).toEqual(['AbdomenCT', 'CXR', 'Hand']);
    // The next run finds it at the project default.
    expect(findDataSource({ projectRoot: root, env: {} }).how).toBe('project default data/medical-mnist.zip');
  });

  it('resolveDataSource says where it looked and why the download failed', async () => {
    const root = project({});
    await expect(resolveDataSource({ projectRoot: root, env: {}, download: { url: `${base}/missing.zip` } })).rejects.toThrow(
      /no Medical MNIST data found \(looked at .*\), and download of .*missing\.zip failed: HTTP 404.*: pass --data/,
    );
    await expect(resolveDataSource({ projectRoot: root, env: {}, download: false })).rejects.toThrow(DataNotFound);
    expect(existsSync(path.join(root, 'data/medical-mnist.zip'))).toBe(false);
  });
});
