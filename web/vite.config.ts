// Builds the Svelte UI into web/dist, which Fastify serves at "/". `npx vite --config web/vite.config.ts` runs a
// dev server that proxies the API and websocket to a Mailcove on 127.0.0.1:8025.
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const mailcove = 'http://127.0.0.1:8025';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  // Every Svelte option is here; there is no svelte.config.js to look for.
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Served from the same origin over loopback: the preload polyfill and size report would only add bytes and time.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    // The Svelte compiler is most of a build's time; that is expected, not worth a warning on every start.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    proxy: {
      '/api/events': { target: mailcove, ws: true },
      '/api': mailcove,
      '/view': mailcove,
    },
  },
});
