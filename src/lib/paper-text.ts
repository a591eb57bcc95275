/**
 * The paper's frontmatter (title, dek, short title) may name the dataset and the
 * reference network with `{dataset}` and `{reference}`: filled here from the bundle, so
 * the words stay in the MDX and the names come from the run.
 */
import type { Facts } from './facts.ts';

export function fillPlaceholders(text: string, f: Pick<Facts, 'manifest' | 'baseline'>): string {
  return text.replaceAll('{dataset}', f.manifest.dataset.info.name).replaceAll('{reference}', f.baseline?.name ?? 'a deep network');
}

/** Every string field of the frontmatter, filled. */
export function fillFrontmatter<T extends Record<string, unknown>>(data: T, f: Pick<Facts, 'manifest' | 'baseline'>): T {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? fillPlaceholders(v, f) : v])) as T;
}
