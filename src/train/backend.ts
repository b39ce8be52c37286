// Backend choice for the training worker: WebGPU, then WebGL, wasm, cpu (or a manual override),
// with the adapter described for the UI, the determinism flag applied, and device loss reported.
import * as tf from '@tensorflow/tfjs';
import { BACKENDS, type BackendName, type BackendPref } from '../config/run-config';
import type { BackendInfo } from '../protocol';

/** The parts of the WebGPU API we read; typed locally so the core needs no DOM/WebGPU lib. */
interface GpuAdapterLike {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    /** Where Chrome reports it (GPUAdapterInfo); older builds put it on the adapter. */
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(opts?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}
interface DeviceLike {
  lost?: Promise<{ message?: string; reason?: string }>;
}

function gpu(): GpuLike | null {
  const nav: unknown = (globalThis as { navigator?: unknown }).navigator;
  if (typeof nav !== 'object' || nav === null || !('gpu' in nav)) return null;
  const g: unknown = nav.gpu;
  return typeof g === 'object' && g !== null && 'requestAdapter' in g ? (g as GpuLike) : null;
}

/** A short human description of a WebGPU adapter for the backend badge. */
export function describeAdapter(a: GpuAdapterLike): string {
  const i = a.info ?? {};
  const parts = [i.vendor, i.architecture, i.device, i.description].filter((s) => !!s);
  const name = parts.length > 0 ? parts.join(' ') : 'unknown adapter';
  const fallback = i.isFallbackAdapter ?? a.isFallbackAdapter ?? false;
  return fallback ? `${name} (software fallback)` : name;
}

/** Tries one backend. Returns its description, or throws why it is unusable. */
async function tryBackend(name: BackendName): Promise<string> {
  if (name === 'webgpu') {
    const g = gpu();
    if (!g) throw new Error('this browser exposes no navigator.gpu');
    const adapter = await g.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('no WebGPU adapter (GPU blocklisted or unavailable)');
    if (!tf.findBackendFactory('webgpu')) throw new Error('the webgpu backend is not registered');
    if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend failed to start');
    return describeAdapter(adapter);
  }
  if (!tf.findBackendFactory(name)) throw new Error(`the ${name} backend is not registered`);
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend failed to start`);
  if (name === 'webgl') {
    const gl = tf.backend() as unknown as { gpgpu?: { gl?: { getParameter(p: number): unknown } } };
    const renderer = gl.gpgpu?.gl?.getParameter(0x1f01); // GL_RENDERER
    return typeof renderer === 'string' ? renderer : 'WebGL';
  }
  return name === 'wasm' ? 'WebAssembly (SIMD)' : 'JavaScript';
}

/**
 * Makes the preferred backend active ('auto': the first of webgpu, webgl, wasm, cpu that works)
 * and says which one it is and why any earlier choice was skipped.
 */
export async function selectBackend(pref: BackendPref): Promise<BackendInfo> {
  const order: BackendName[] =
    pref === 'auto' ? [...BACKENDS] : [pref, ...BACKENDS.filter((b) => b !== pref)];
  const skipped: string[] = [];
  for (const name of order) {
    try {
      const adapter = await tryBackend(name);
      await tf.ready();
      const note = skipped.length > 0 ? `skipped ${skipped.join('; ')}` : undefined;
      return note ? { name, adapter, note } : { name, adapter };
    } catch (e) {
      skipped.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(`No compute backend works here (${skipped.join('; ')})`);
}

/** Backends registered in this context (not all may start). */
export function registeredBackends(): BackendName[] {
  return BACKENDS.filter((b) => tf.findBackendFactory(b) !== null);
}

/**
 * Applies per-run kernel flags. On WebGPU, deterministic runs use the packed matmul program
 * (program type 3) instead of split-K with float atomics (../shared/research/peers.md §4.6).
 */
export function applyDeterminism(backend: BackendName, deterministic: boolean): void {
  if (backend !== 'webgpu') return;
  // 3 = MatMulPackedProgram; -1 lets tfjs pick (it may choose split-K, which uses atomics).
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', deterministic ? 3 : -1);
}

/** Calls `onLost` if the active WebGPU device is lost (driver reset, GPU hang). */
export function watchDeviceLoss(onLost: (message: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: DeviceLike }).device;
  void device?.lost?.then((info) => onLost(info.message || info.reason || 'device lost'));
}
