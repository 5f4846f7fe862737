// @ts-check
import { defineConfig } from 'astro/config';
import mdx from '@astrojs/mdx';
import { fileURLToPath } from 'node:url';
import { markRunnable } from './src/lib/shiki-run.ts';

/** Full-text search: after every build, Pagefind indexes the lesson pages into <outDir>/pagefind/. */
function pagefindIndex() {
  return {
    name: 'bulkhead:pagefind',
    hooks: {
      /** @param {{ dir: URL, logger: import('astro').AstroIntegrationLogger }} options */
      'astro:build:done': async ({ dir, logger }) => {
        const pagefind = await import('pagefind');
        const site = fileURLToPath(dir);
        const { index, errors } = await pagefind.createIndex();
        if (!index) throw new Error(`Pagefind did not start: ${errors.join('; ')}`);
        const added = await index.addDirectory({ path: site });
        const written = await index.writeFiles({ outputPath: `${site}pagefind` });
        await pagefind.close();
        const problems = [...added.errors, ...written.errors];
        if (problems.length) throw new Error(`Pagefind could not index the site: ${problems.join('; ')}`);
        logger.info(`search index: ${added.page_count} pages`);
      },
    },
  };
}

export default defineConfig({
  output: 'static',
  trailingSlash: 'ignore',
  integrations: [mdx(), pagefindIndex()],
  markdown: {
    shikiConfig: {
      themes: { light: 'github-light', dark: 'github-dark' },
      transformers: [markRunnable()],
    },
  },
  server: { port: 4321 },
  vite: {
    server: {
      proxy: {
        '/api': 'http://localhost:8080',
        '/ws': { target: 'ws://localhost:8080', ws: true },
      },
    },
  },
});
