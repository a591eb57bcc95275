/**
 * Serves a built site directory on 127.0.0.1 under its base path, the way GitHub
 * Pages serves a project site (/<repo>/…). Used by the page-weight command and the
 * browser tests; anything outside the base path is a 404, so a link that forgot the
 * base shows up as a failed request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import sirv from 'sirv';
import compression from 'compression';
import { normalizeBase } from '../src/lib/base-path.ts';

export interface DistServer {
  /** The site's root URL, ending in the base path: http://127.0.0.1:PORT/base/ */
  url: string;
  close(): Promise<void>;
}

export { normalizeBase };

export interface ServeOptions {
  /** Bind to this port (0: any free one). */
  port?: number;
  /**
   * Respond as GitHub Pages does: text gzip-compressed, cacheable for 10 minutes (for
   * page-speed measurements; the tests leave it off, so that a response's size is the
   * file's and nothing is cached between builds).
   */
  likePages?: boolean;
}

export async function serveDist(dir: string, base = '/', { port = 0, likePages = false }: ServeOptions = {}): Promise<DistServer> {
  if (!existsSync(dir)) throw new Error(`${dir}: no built site here (expected the output of \`astro build\`)`);
  const prefix = normalizeBase(base);
  const files = sirv(dir, {
    dev: !likePages,
    maxAge: likePages ? 600 : undefined,
    etag: false,
    extensions: ['html'],
    // A `.gz` file is sent as the file it is (application/gzip), as GitHub Pages sends it, not
    // with `Content-Encoding: gzip` as sirv would (the browser would then inflate it itself):
    // the Try-it section's weights and wasm binary are such files, inflated by the page.
    setHeaders: (res, pathname) => {
      if (!pathname.endsWith('.gz')) return;
      res.setHeader('Content-Type', 'application/gzip');
      res.setHeader('Content-Encoding', 'identity');
    },
  });
  // compression is Express's middleware but needs only Node's request and response; its types ask for Express's.
  type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
  const gzip = likePages ? (compression() as unknown as Middleware) : undefined;
  const server: Server = createServer((req, res) => {
    if (gzip) gzip(req, res, () => route(req, res));
    else route(req, res);
  });
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === prefix.slice(0, -1)) {
      res.writeHead(301, { Location: prefix }).end();
      return;
    }
    if (!path.startsWith(prefix)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not under the base path ${prefix}`);
      return;
    }
    req.url = '/' + (req.url ?? '/').slice(prefix.length);
    files(req, res, () => {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    });
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}${prefix}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
