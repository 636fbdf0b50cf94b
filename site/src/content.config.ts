import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { docsSchema } from '@astrojs/starlight/schema';
import { pathToFileURL } from 'node:url';
import { lessonsDir } from './paths.ts';

// One lesson = `NN-topic.mdx` (or `NN-topic/index.mdx`) in lessons/. Anything else
// there (casts/, drafts starting with `_`) is not a page. New lessons appear
// without site changes; their order comes from frontmatter `sidebar.order`.
export const collections = {
  docs: defineCollection({
    loader: glob({
      base: pathToFileURL(lessonsDir + '/').href,
      pattern: ['[0-9][0-9]-*.{md,mdx}', '[0-9][0-9]-*/index.{md,mdx}'],
    }),
    schema: docsSchema(),
  }),
};
