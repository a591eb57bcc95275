/** The one rule for a base path, shared by astro.config.mjs, the site's links and the test server. */

/** "/x", "x/", "/x/" → "/x/"; empty → "/". */
export function normalizeBase(raw: string | undefined): string {
  const trimmed = (raw ?? '').trim().replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}/` : '/';
}
