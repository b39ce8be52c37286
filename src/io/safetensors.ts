// safetensors reader and writer (format: huggingface/safetensors README — an 8-byte little-endian
// header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?},
// then the raw little-endian data). The whole header is validated (size limits, JSON shape, dtypes,
// byte counts, offsets in bounds, contiguous, non-overlapping, covering the data) before any tensor
// buffer is allocated; F32, F16 and BF16 read into float32. Every failure is a SafetensorsError.

/** Element types the format defines, with their sizes in bytes. */
export const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
} as const;
export type Dtype = keyof typeof DTYPE_BYTES;

/** The dtypes `read` converts to float32. */
export const FLOAT_DTYPES = ['F32', 'F16', 'BF16'] as const;
export type FloatDtype = (typeof FLOAT_DTYPES)[number];

export interface SafetensorsLimits {
  /** Largest header accepted, bytes (default 100 MB, as the reference implementation). */
  maxHeaderBytes: number;
  /** Most tensors accepted (default 100,000). */
  maxTensors: number;
  /** Highest rank accepted (default 8). */
  maxRank: number;
  /** Largest single tensor, elements (default 2³¹ − 1). */
  maxElements: number;
}

export const DEFAULT_LIMITS: SafetensorsLimits = {
  maxHeaderBytes: 100_000_000,
  maxTensors: 100_000,
  maxRank: 8,
  maxElements: 2 ** 31 - 1,
};

/** Any problem with a safetensors file; the message starts with the file's name. */
export class SafetensorsError extends Error {
  constructor(
    readonly source: string,
    why: string,
  ) {
    super(`${source}: ${why}`);
    this.name = 'SafetensorsError';
  }
}

/** Where one tensor lives in the file. */
export interface TensorInfo {
  dtype: Dtype;
  shape: number[];
  /** Byte range in the file (absolute: the 8-byte prefix and the header included). */
  begin: number;
  end: number;
}

/** A parsed, validated file. Tensor data is read (and converted) on demand. */
export interface SafetensorsFile {
  source: string;
  metadata: Record<string, string>;
  /** In file order (by offset). */
  tensors: Map<string, TensorInfo>;
  /** Values of a F32 / F16 / BF16 tensor as float32 (a fresh copy). */
  read(name: string): Float32Array;
}

/** A tensor to write: float32 values in row-major order. */
export interface TensorToWrite {
  shape: number[];
  data: Float32Array;
}

function isDtype(x: unknown): x is Dtype {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, x);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

const naturals = (x: unknown): x is number[] =>
  Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);

/** Reads and validates the 8-byte prefix and the JSON header (no tensor data is touched). */
function parseHeader(
  bytes: Uint8Array,
  source: string,
  limits: SafetensorsLimits,
): { json: Record<string, unknown>; dataStart: number } {
  const fail = (why: string): never => {
    throw new SafetensorsError(source, why);
  };
  if (bytes.length < 8) {
    fail(
      `truncated: ${bytes.length} bytes, but a safetensors file starts with an 8-byte header length`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const n = high * 2 ** 32 + low;
  if (high >= 2 ** 21 || n > limits.maxHeaderBytes) {
    fail(
      `header length ${n} exceeds the limit of ${limits.maxHeaderBytes} bytes (not a safetensors file?)`,
    );
  }
  if (n > bytes.length - 8) {
    fail(
      `truncated: the header claims ${n} bytes but only ${bytes.length - 8} follow the length prefix`,
    );
  }
  if (n < 2 || bytes[8] !== 0x7b) fail('the header is not a JSON object (it must start with "{")');
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('the header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isRecord(json)) fail('the header is not a JSON object');
  return { json: json as Record<string, unknown>, dataStart: 8 + n };
}

/** Validates one header entry into a TensorInfo (offsets still relative to the data section). */
function tensorInfo(
  name: string,
  entry: unknown,
  fail: (why: string) => never,
  limits: SafetensorsLimits,
): TensorInfo {
  if (!isRecord(entry)) fail(`tensor '${name}': entry is not an object`);
  const e = entry as Record<string, unknown>;
  if (!isDtype(e['dtype'])) fail(`tensor '${name}': unknown dtype ${JSON.stringify(e['dtype'])}`);
  const shape = e['shape'];
  if (!naturals(shape)) fail(`tensor '${name}': shape must be an array of non-negative integers`);
  const offsets = e['data_offsets'];
  if (!naturals(offsets) || offsets.length !== 2) {
    fail(`tensor '${name}': data_offsets must be [begin, end], non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  const dims = shape as number[];
  if (dims.length > limits.maxRank)
    fail(`tensor '${name}': rank ${dims.length} exceeds ${limits.maxRank}`);
  let elements = 1;
  for (const d of dims) {
    elements *= d;
    if (elements > limits.maxElements) {
      fail(`tensor '${name}': shape [${dims}] exceeds ${limits.maxElements} elements`);
    }
  }
  const dtype = e['dtype'] as Dtype;
  const size = elements * DTYPE_BYTES[dtype];
  if (end < begin || end - begin !== size) {
    fail(
      `tensor '${name}': data_offsets [${begin}, ${end}] hold ${end - begin} bytes, ` +
        `but ${dtype} [${dims}] needs ${size}`,
    );
  }
  return { dtype, shape: dims.slice(), begin, end };
}

/**
 * Parses and validates a safetensors file held in memory. Throws SafetensorsError (message
 * prefixed with `source`) on anything malformed: a truncated file, an oversized or non-JSON header,
 * unknown dtypes, byte counts that do not match shapes, offsets out of bounds, gaps or overlaps.
 */
export function parseSafetensors(
  bytes: Uint8Array,
  source = 'safetensors',
  limits: Partial<SafetensorsLimits> = {},
): SafetensorsFile {
  const lim: SafetensorsLimits = { ...DEFAULT_LIMITS, ...limits };
  const fail = (why: string): never => {
    throw new SafetensorsError(source, why);
  };
  const { json, dataStart } = parseHeader(bytes, source, lim);
  const dataBytes = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Array<[string, TensorInfo]> = [];
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isRecord(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
        fail('__metadata__ must map strings to strings');
      }
      metadata = { ...(entry as Record<string, string>) };
      continue;
    }
    if (entries.length >= lim.maxTensors) fail(`more than ${lim.maxTensors} tensors`);
    entries.push([name, tensorInfo(name, entry, fail, lim)]);
  }
  entries.sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let cursor = 0;
  for (const [name, t] of entries) {
    if (t.begin !== cursor) {
      fail(
        t.begin < cursor
          ? `tensor '${name}' at bytes [${t.begin}, ${t.end}] overlaps the previous tensor (ends at ${cursor})`
          : `gap before tensor '${name}': data from byte ${cursor} to ${t.begin} belongs to no tensor`,
      );
    }
    cursor = t.end;
  }
  if (cursor !== dataBytes) {
    fail(
      cursor > dataBytes
        ? `truncated: tensors need ${cursor} data bytes but the file holds ${dataBytes}`
        : `${dataBytes - cursor} trailing bytes after the last tensor`,
    );
  }
  const tensors = new Map<string, TensorInfo>(
    entries.map(([name, t]) => [
      name,
      { ...t, begin: t.begin + dataStart, end: t.end + dataStart },
    ]),
  );
  return {
    source,
    metadata,
    tensors,
    read: (name) => {
      const t = tensors.get(name);
      if (!t) throw new SafetensorsError(source, `no tensor named '${name}'`);
      return decodeFloats(bytes.subarray(t.begin, t.end), t.dtype, `${source}: tensor '${name}'`);
    },
  };
}

/** Converts little-endian F32 / F16 / BF16 bytes to float32. */
function decodeFloats(raw: Uint8Array, dtype: Dtype, what: string): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dtype === 'F32') {
    const out = new Float32Array(raw.byteLength / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  if (dtype === 'BF16') {
    const bits = new Uint32Array(raw.byteLength / 2);
    for (let i = 0; i < bits.length; i++) bits[i] = view.getUint16(2 * i, true) << 16;
    return new Float32Array(bits.buffer);
  }
  if (dtype === 'F16') {
    const out = new Float32Array(raw.byteLength / 2);
    for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
    return out;
  }
  throw new SafetensorsError(what, `dtype ${dtype} cannot be read as floats (only F32, F16, BF16)`);
}

/** IEEE 754 binary16 bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal (and ±0)
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number → IEEE 754 binary16 bits, rounding to nearest even (overflow → ±Infinity). */
export function floatToHalf(x: number): number {
  const f32 = new Float32Array([x]);
  const u = new Uint32Array(f32.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const frac = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (frac ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflows to ±0
    const m = frac | 0x800000; // implicit bit
    const shift = 14 - e;
    const half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rem > mid || (rem === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (frac >>> 13);
  const rem = frac & 0x1fff;
  return sign | (half + (rem > 0x1000 || (rem === 0x1000 && half & 1) ? 1 : 0)); // a carry rolls into the exponent, as it should
}

/** float32 → bfloat16 bits, rounding to nearest even (NaN stays NaN). */
export function floatToBf16(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0]!;
  if ((u & 0x7f800000) === 0x7f800000 && u & 0x7fffff) return (u >>> 16) | 0x40;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * Serialises tensors (sorted by name, for reproducible files) as `dtype` (F32 default; F16 / BF16
 * round to nearest even). The header is padded with spaces to a multiple of 8 bytes, as the
 * reference writer does, so every tensor starts 8-byte aligned in the file.
 */
export function writeSafetensors(
  tensors: Map<string, TensorToWrite>,
  metadata: Record<string, string> = {},
  dtype: FloatDtype = 'F32',
): Uint8Array {
  const size = DTYPE_BYTES[dtype];
  const names = [...tensors.keys()].sort();
  // No prototype: a tensor may be named '__proto__', which on a plain object would set the
  // prototype instead of adding a key (and vanish from the header).
  const header = Object.create(null) as Record<string, unknown>;
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    if (name === '__metadata__') {
      throw new Error("writeSafetensors: '__metadata__' is reserved and cannot name a tensor");
    }
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) {
      throw new Error(
        `writeSafetensors: tensor '${name}' has ${t.data.length} values for shape [${t.shape}]`,
      );
    }
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + n * size] };
    offset += n * size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(json);
    json = withSpaces;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const name of names) {
    for (const v of tensors.get(name)!.data) {
      if (dtype === 'F32') view.setFloat32(pos, v, true);
      else view.setUint16(pos, dtype === 'F16' ? floatToHalf(v) : floatToBf16(v), true);
      pos += size;
    }
  }
  return out;
}
