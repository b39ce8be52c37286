// The module Web Worker that trains (STYLE R9): registers every tfjs backend, serves the wasm
// binaries through Vite, and hands messages to the handler. The page talks to it only through
// src/protocol and src/store/bridge.ts.
import '@tensorflow/tfjs'; // full package: cpu + webgl backends and every gradient
import '@tensorflow/tfjs-backend-webgpu'; // registers only if navigator.gpu exists
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { FromWorker, ToWorker } from '../protocol';
import { RunStorage } from '../storage';
import { registeredBackends, selectBackend, watchDeviceLoss } from './backend';
import { createWorkerHandler } from './worker-handler';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

interface WorkerScope {
  postMessage(msg: FromWorker): void;
  addEventListener(type: 'message', fn: (e: { data: ToWorker }) => void): void;
}
const scope = self as unknown as WorkerScope;

const handle = createWorkerHandler({
  post: (msg) => scope.postMessage(msg),
  selectBackend,
  available: registeredBackends,
  openStorage: () => RunStorage.open(),
  onBackendReady: () =>
    watchDeviceLoss((message) =>
      scope.postMessage({
        type: 'error',
        where: 'training',
        message: `The GPU device was lost (${message}). Reload the page or pick another backend.`,
      }),
    ),
});

scope.addEventListener('message', (e) => {
  void handle(e.data);
});
