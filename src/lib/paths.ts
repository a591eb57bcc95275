/**
 * URLs under the configured base path. Every link and asset on the page goes through
 * `url()` so the site works at a domain root and under a sub-path such as
 * /medical-mnist-report/ alike.
 */
import { normalizeBase } from './base-path.ts';

const base = normalizeBase(import.meta.env.BASE_URL);

/** A site-relative path ("social-card.png", "/activations/x.png") under the base path. */
export function url(path = ''): string {
  return base + path.replace(/^\/+/, '');
}

/**
 * The absolute URL of a site path, for Open Graph and canonical links; undefined when
 * the build has no SITE_URL, since a relative or localhost URL there would break a
 * shared link's card.
 */
export function absoluteUrl(path: string, site: URL | undefined): string | undefined {
  return site ? new URL(url(path), site).href : undefined;
}
