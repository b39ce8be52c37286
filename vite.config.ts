// Vite config: the React app plus the module training worker (src/train/worker.ts).
// No COOP/COEP headers on purpose: they make tfjs-wasm pick its threaded build, which crashes in a
// module worker (../shared/research/env.md §2).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
});
