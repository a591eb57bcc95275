// @ts-check
/**
 * The paper site. `site` and `base` come from the environment so the same build
 * serves from a domain root or a GitHub Pages sub-path:
 *   SITE_URL   e.g. https://example.github.io   (absolute URLs: Open Graph, canonical);
 *              without it the page carries no absolute URL at all
 *   BASE_PATH  e.g. /medical-mnist-report/      (every link and asset is prefixed with it)
 *   RESULTS_DIR  the results bundle to render (default: results/)
 *   PUBLISH=1  a build for publishing (the Pages workflow): SITE_URL is then required
 * and src/lib/publishing.ts reads REPOSITORY_URL and BUILD_COMMIT for the code link.
 */
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { resultsBundle } from './src/lib/bundle-integration.ts';
import { charts } from './src/charts/integration.ts';
import { stagedBuild } from './src/lib/staged-build.ts';
import { normalizeBase } from './src/lib/base-path.ts';

const site = process.env.SITE_URL?.trim() || undefined;
if (!site && process.env.PUBLISH === '1') {
  throw new Error('SITE_URL is not set: a published page needs it for its social card, og:url and canonical link (e.g. SITE_URL=https://owner.github.io)');
}

export default defineConfig({
  site,
  base: normalizeBase(process.env.BASE_PATH),
  trailingSlash: 'ignore',
  // Lets parallel builds (tests, a developer's preview) keep their own content cache.
  cacheDir: process.env.ASTRO_CACHE_DIR || './node_modules/.astro',
  // stagedBuild() last: it moves the finished build into outDir after the others are done.
  integrations: [resultsBundle(), mdx(), charts(), stagedBuild()],
  build: { format: 'directory' },
  devToolbar: { enabled: false },
});
