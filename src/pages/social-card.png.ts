/** The social card as a static PNG at <base>/social-card.png. */
import type { APIRoute } from 'astro';
import { getEntry } from 'astro:content';
import { getFacts } from '../lib/facts.ts';
import { headline } from '../lib/headline.ts';
import { date, sentence, spell } from '../lib/format.ts';
import { renderSocialCard } from '../lib/social-card.ts';

export const GET: APIRoute = async () => {
  const entry = await getEntry('paper', 'medical-mnist');
  if (!entry) throw new Error('src/content/paper/medical-mnist.mdx: not found (the social card takes its title)');
  const facts = getFacts();
  const { manifest } = facts;
  const png = await renderSocialCard({
    title: entry.data.shortTitle,
    subtitle: sentence(`${spell(facts.models.length)} CNNs from ResNet50 down, retrained and measured on the same held-out test images`).replace(/\.$/, ''),
    numbers: headline(facts).numbers,
    footer: `Run of ${date(manifest.finishedAt)} · profile “${manifest.profile.name}”${manifest.profile.reductions.length ? ' (reduced budget)' : ''} · seed ${manifest.seed}`,
  });
  return new Response(new Uint8Array(png), { headers: { 'Content-Type': 'image/png' } });
};
