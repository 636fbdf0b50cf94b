// @ts-check
import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { remarkWorkbook } from './src/plugins/remark-workbook.ts';
import { lessonsDir, repoRoot } from './src/paths.ts';

export default defineConfig({
  // The site tests build into a scratch folder so they never clobber site/dist.
  outDir: process.env.WORKBOOK_SITE_OUT || './dist',
  cacheDir: process.env.WORKBOOK_SITE_CACHE || './node_modules/.astro',
  site: process.env.WORKBOOK_SITE_URL || 'https://netlink-workbook.example',
  base: process.env.WORKBOOK_SITE_BASE || '/',
  trailingSlash: 'always',
  markdown: { remarkPlugins: [[remarkWorkbook, { root: repoRoot }]] },
  integrations: [
    starlight({
      title: 'The Netlink Workbook',
      description: 'Learn Linux netlink: kernel modules in C, userspace labs in TypeScript, graded in a real kernel.',
      favicon: '/favicon.svg',
      // Lessons are the docs collection; the default sidebar lists them all in
      // `sidebar.order`, so a new lessons/NN-*.mdx shows up without site changes.
      // Expressive Code options: ec.config.mjs.
      customCss: ['./src/styles/site.css'],
      lastUpdated: false,
    }),
  ],
  vite: {
    // Lessons and the code they include live outside site/ (dev server only).
    server: { fs: { allow: [repoRoot, lessonsDir] } },
  },
});
