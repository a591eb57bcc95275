/** The social card as a static PNG at <base>/social-card.png. */
import type { APIRoute } from 'astro';
import { getEntry } from 'astro:content';
import { getFacts } from '../lib/facts.ts';
import { headline } from '../lib/headline.ts';
import { capitalize, date } from '../lib/format.ts';
import { renderSocialCard } from '../lib/social-card.ts';
import { fillPlaceholders } from '../lib/paper-text.ts';

export const GET: APIRoute = async () => {
  const entry = await getEntry('paper', 'medical-mnist');
  if (!entry) throw new Error('src/content/paper/medical-mnist.mdx: not found (the social card takes its title)');
  const facts = getFacts();
  const { manifest } = facts;
  const h = headline(facts);
  const png = await renderSocialCard({
    title: fillPlaceholders(entry.data.shortTitle, facts),
    kicker: `Research note · ${manifest.dataset.info.name}`,
    // The conditions the numbers hold under, in the same breath as the numbers.
    subtitle: capitalize(h.conditions),
    numbers: h.numbers,
    footer: `Run of ${date(manifest.finishedAt)} · profile “${manifest.profile.name}”${manifest.profile.reductions.length ? ' (reduced budget)' : ''} · seed ${manifest.seed}`,
  });
  return new Response(new Uint8Array(png), { headers: { 'Content-Type': 'image/png' } });
};
