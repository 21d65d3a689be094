import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The UI is a static bundle under ui/dist, served by the package's own handler from any path
// prefix: relative URLs (base './'), one script and one stylesheet file, nothing inline (the
// Content-Security-Policy allows no inline script or style) and nothing from another origin.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
