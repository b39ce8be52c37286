// Backend set-up for Node (CLI, benchmarks, tests): the plain-JS cpu backend, wasm (SIMD, far
// faster), or WebGPU through Dawn (the `webgpu` npm package) when a Vulkan driver is reachable —
// on machines without a GPU, SwiftShader from Debian's chromium-common.
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../config/run-config';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let webgpuInstalled = false;

/** Registers the wasm backend (idempotent). */
async function ensureWasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
}

/** Registers the webgpu backend on Dawn (idempotent). Throws if no adapter can be found. */
async function ensureWebgpu(): Promise<void> {
  if (webgpuInstalled) return;
  if (
    !process.env['VK_ICD_FILENAMES'] &&
    !process.env['VK_DRIVER_FILES'] &&
    existsSync(SWIFTSHADER_ICD)
  ) {
    // No GPU driver named: use SwiftShader (Debian's lavapipe is rejected by Dawn).
    process.env['VK_ICD_FILENAMES'] = SWIFTSHADER_ICD;
  }
  process.env['XDG_RUNTIME_DIR'] ??= '/tmp';
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu: create([]) },
    configurable: true,
  });
  await import('@tensorflow/tfjs-backend-webgpu');
  webgpuInstalled = true;
}

/**
 * Makes `name` the active tfjs backend and returns it. 'webgl' is not available in Node.
 * Silences tfjs's "use tfjs-node" banner.
 */
export async function useNodeBackend(name: BackendName): Promise<BackendName> {
  tf.env().set('PROD', true); // hides the "install tfjs-node" banner and debug-only checks
  if (name === 'webgl')
    throw new Error('The webgl backend needs a browser; use cpu, wasm or webgpu');
  if (name === 'wasm') await ensureWasm();
  if (name === 'webgpu') await ensureWebgpu();
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`Backend '${name}' failed to initialise`);
  await tf.ready();
  return name;
}
