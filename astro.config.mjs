// @ts-check
/**
 * The paper site. `site` and `base` come from the environment so the same build
 * serves from a domain root or a GitHub Pages sub-path:
 *   SITE_URL   e.g. https://example.github.io   (absolute URLs: Open Graph, canonical)
 *   BASE_PATH  e.g. /medical-mnist-report/      (every link and asset is prefixed with it)
 *   RESULTS_DIR  the results bundle to render (default: results/)
 */
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { resultsBundle } from './src/lib/bundle-integration.ts';
import { charts } from './src/charts/integration.ts';
import { stagedBuild } from './src/lib/staged-build.ts';

/**
 * "/x", "x/", "/x/" → "/x/"; empty → "/".
 * @param {string | undefined} raw
 */
function normalizeBase(raw) {
  const trimmed = (raw ?? '').trim().replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}/` : '/';
}

export default defineConfig({
  site: process.env.SITE_URL?.trim() || 'http://localhost:4321',
  base: normalizeBase(process.env.BASE_PATH),
  trailingSlash: 'ignore',
  // Lets parallel builds (tests, a developer's preview) keep their own content cache.
  cacheDir: process.env.ASTRO_CACHE_DIR || './node_modules/.astro',
  // stagedBuild() last: it moves the finished build into outDir after the others are done.
  integrations: [resultsBundle(), mdx(), charts(), stagedBuild()],
  build: { format: 'directory' },
  devToolbar: { enabled: false },
});
