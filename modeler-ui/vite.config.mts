import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * Vite config for the browser app (流程设计器).
 *
 * Build from the repository root:
 *   npx vite build --config modeler-ui/vite.config.mts
 *
 * The dev server and `vite preview` proxy `/api` to the API server
 * (API_URL, default http://localhost:3000) so the app can always call
 * same-origin `/api/...` paths, exactly as it does when the API serves `dist/`.
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const apiUrl = process.env.API_URL ?? 'http://localhost:3000';

export default defineConfig({
  root,
  base: '/',
  // @bpmn-io/form-js-editor has its own nested preact 10.15 while the form-js viewer and properties-panel
  // components it renders use the top-level preact: two copies break hooks and the editor renders nothing
  resolve: { dedupe: ['preact'] },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // bpmn-js + properties panel are one large chunk by nature; do not warn about it
    chunkSizeWarningLimit: 2000,
    // maps would triple dist/ (served by the API); opt in with SOURCEMAP=1
    sourcemap: process.env.SOURCEMAP === '1',
    rolldownOptions: {
      // antd marks its modules "use client" (a React Server Components hint); meaningless in this SPA
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { '/api': { target: apiUrl, changeOrigin: true } },
  },
  preview: {
    proxy: { '/api': { target: apiUrl, changeOrigin: true } },
  },
});
