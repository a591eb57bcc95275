/**
 * The paper is one MDX entry in the `paper` collection. Its frontmatter holds only
 * words (title, dek); every number comes from the results bundle at render time.
 */
import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

const paper = defineCollection({
  loader: glob({ pattern: '*.mdx', base: './src/content/paper' }),
  schema: z.object({
    title: z.string().min(1),
    /** The line under the title. */
    dek: z.string().min(1),
    /** Short title for the social card and browser tab. */
    shortTitle: z.string().min(1),
    /** Who the page credits; the study's author(s) and this rebuild. */
    credits: z.string().min(1),
  }),
});

export const collections = { paper };
