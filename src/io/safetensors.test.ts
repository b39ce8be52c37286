// safetensors: round trips (F32 exact; F16/BF16 rounding), the half/bfloat16 conversions, a file
// laid out by hand, one test per validation rule with its message, the limits, and fuzzing
// (any bytes, mutated valid files, arbitrary JSON headers): parse succeeds or throws SafetensorsError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SafetensorsError,
  floatToBf16,
  floatToHalf,
  halfToFloat,
  parseSafetensors,
  writeSafetensors,
  type TensorToWrite,
} from './safetensors';

/** A file from a header object and a data section, as the format lays it out. */
function fileOf(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  headerText?: string,
): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('expected a SafetensorsError');
}

const SAMPLE = new Map<string, TensorToWrite>([
  ['b.weight', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0.25, -0, 1e-3]) }],
  ['a.bias', { shape: [3], data: Float32Array.from([0.1, 0.2, 0.3]) }],
  ['scalar', { shape: [], data: Float32Array.from([7]) }],
  ['empty', { shape: [0, 4], data: new Float32Array(0) }],
]);

describe('round trip', () => {
  it('F32 is exact, with names, shapes and metadata', () => {
    const bytes = writeSafetensors(SAMPLE, { format: 'pt' });
    const f = parseSafetensors(bytes, 'x.safetensors');
    expect(f.metadata).toEqual({ format: 'pt' });
    expect([...f.tensors.keys()]).toEqual(['a.bias', 'b.weight', 'empty', 'scalar']);
    for (const [name, t] of SAMPLE) {
      expect(f.tensors.get(name)!.shape).toEqual(t.shape);
      expect(f.read(name)).toEqual(t.data);
    }
    // Header padded with spaces to a multiple of 8: data starts 8-byte aligned.
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect(n % 8).toBe(0);
    expect(f.tensors.get('a.bias')!.begin).toBe(8 + n);
  });

  it('F16 and BF16 round to the nearest representable value', () => {
    const data = Float32Array.from([1, -2.5, 0.1, 65504, 3e-6, 1 / 3]);
    const t = new Map([['w', { shape: [6], data }]]);
    const f16 = parseSafetensors(writeSafetensors(t, {}, 'F16')).read('w');
    const bf16 = parseSafetensors(writeSafetensors(t, {}, 'BF16')).read('w');
    data.forEach((x, i) => {
      expect(Math.abs(f16[i]! - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
      expect(Math.abs(bf16[i]! - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -8);
    });
    expect(Array.from(f16.slice(0, 2))).toEqual([1, -2.5]);
    expect(f16[3]).toBe(65504);
    expect(parseSafetensors(writeSafetensors(t, {}, 'BF16')).tensors.get('w')!.dtype).toBe('BF16');
  });

  it('reads a file laid out by hand (unpadded header, unsorted entries)', () => {
    const data = new Uint8Array(4 + 2 + 2);
    const v = new DataView(data.buffer);
    v.setFloat32(0, 1.5, true);
    v.setUint16(4, 0x3c00, true); // F16 1.0
    v.setUint16(6, 0xc040, true); // BF16 −3.0
    const f = parseSafetensors(
      fileOf(
        {
          z: { dtype: 'BF16', shape: [1], data_offsets: [6, 8] },
          y: { dtype: 'F16', shape: [1], data_offsets: [4, 6] },
          x: { dtype: 'F32', shape: [1, 1], data_offsets: [0, 4] },
        },
        data,
      ),
    );
    expect([f.read('x')[0], f.read('y')[0], f.read('z')[0]]).toEqual([1.5, 1, -3]);
  });
});

describe('half and bfloat16 conversions', () => {
  // prettier-ignore
  const HALF: Array<[number, number]> = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [2 ** -24, 0x0001],
    [2 ** -14, 0x0400], [0.5, 0x3800], [Infinity, 0x7c00], [-Infinity, 0xfc00], [1e6, 0x7c00],
  ];
  it.each(HALF)('%f ↔ 0x%s', (x, h) => {
    expect(floatToHalf(x)).toBe(h);
    expect(halfToFloat(h)).toBe(x === 1e6 ? Infinity : x);
  });

  it('rounds half-way cases to even and handles NaN', () => {
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even (down)
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(floatToHalf(0.1)).toBe(0x2e66);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
    expect(floatToBf16(1)).toBe(0x3f80);
    expect(floatToBf16(-3)).toBe(0xc040);
    expect(floatToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(floatToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
  });
});

describe('validation', () => {
  const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const eight = new Uint8Array(8);

  it.each<[string, () => Uint8Array, string]>([
    [
      'a short prefix',
      () => new Uint8Array(5),
      'f: truncated: 5 bytes, but a safetensors file starts with an 8-byte header length',
    ],
    [
      'a header past the end',
      () => fileOf(ok, eight).slice(0, 20),
      'f: truncated: the header claims 54 bytes but only 12 follow the length prefix',
    ],
    [
      'a huge header length',
      () => Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0]),
      'f: header length 1099511627776 exceeds the limit of 100000000 bytes (not a safetensors file?)',
    ],
    [
      'a non-object header',
      () => fileOf(null, eight, '[1, 2]'),
      'f: the header is not a JSON object (it must start with "{")',
    ],
    ['invalid JSON', () => fileOf(null, eight, '{"w": '), 'f: the header is not valid JSON'],
    [
      'invalid UTF-8',
      () => {
        const b = fileOf(null, eight, '{"w":1}');
        b[10] = 0xff;
        return b;
      },
      'f: the header is not valid UTF-8',
    ],
    [
      'an unknown dtype',
      () => fileOf({ w: { dtype: 'F33', shape: [2], data_offsets: [0, 8] } }, eight),
      'f: tensor \'w\': unknown dtype "F33"',
    ],
    [
      'a negative dimension',
      () => fileOf({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, eight),
      "f: tensor 'w': shape must be an array of non-negative integers",
    ],
    [
      'bad offsets',
      () => fileOf({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }, eight),
      "f: tensor 'w': data_offsets must be [begin, end], non-negative integers",
    ],
    [
      'a size mismatch',
      () => fileOf({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, eight),
      "f: tensor 'w': data_offsets [0, 8] hold 8 bytes, but F32 [3] needs 12",
    ],
    [
      'a gap',
      () => fileOf({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, eight),
      "f: gap before tensor 'w': data from byte 0 to 4 belongs to no tensor",
    ],
    [
      'an overlap',
      () =>
        fileOf(
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
          },
          eight,
        ),
      "f: tensor 'b' at bytes [4, 8] overlaps the previous tensor (ends at 8)",
    ],
    [
      'truncated data',
      () => fileOf(ok, new Uint8Array(6)),
      'f: truncated: tensors need 8 data bytes but the file holds 6',
    ],
    [
      'trailing bytes',
      () => fileOf(ok, new Uint8Array(10)),
      'f: 2 trailing bytes after the last tensor',
    ],
    [
      'bad metadata',
      () => fileOf({ __metadata__: { a: 1 } }),
      'f: __metadata__ must map strings to strings',
    ],
  ])('rejects %s', (_what, make, message) => {
    expect(errorOf(() => parseSafetensors(make(), 'f'))).toContain(message);
  });

  it('enforces the limits', () => {
    const bytes = writeSafetensors(SAMPLE);
    expect(errorOf(() => parseSafetensors(bytes, 'f', { maxHeaderBytes: 16 }))).toMatch(
      /exceeds the limit of 16 bytes/,
    );
    expect(errorOf(() => parseSafetensors(bytes, 'f', { maxTensors: 2 }))).toBe(
      'f: more than 2 tensors',
    );
    expect(errorOf(() => parseSafetensors(bytes, 'f', { maxElements: 5 }))).toBe(
      "f: tensor 'b.weight': shape [2,3] exceeds 5 elements",
    );
    const deep = fileOf(
      { w: { dtype: 'F32', shape: [1, 1, 1, 1, 1, 1, 1, 1, 1], data_offsets: [0, 4] } },
      new Uint8Array(4),
    );
    expect(errorOf(() => parseSafetensors(deep, 'f'))).toBe("f: tensor 'w': rank 9 exceeds 8");
  });

  it('reads only float dtypes, and names a missing tensor', () => {
    const f = parseSafetensors(
      fileOf({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(16)),
      'f',
    );
    expect(f.tensors.get('ids')!.dtype).toBe('I64');
    expect(errorOf(() => f.read('ids'))).toBe(
      "f: tensor 'ids': dtype I64 cannot be read as floats (only F32, F16, BF16)",
    );
    expect(errorOf(() => f.read('nope'))).toBe("f: no tensor named 'nope'");
  });
});

describe('fuzzing', () => {
  /** Parses and reads every float tensor; anything but a SafetensorsError fails the property. */
  function parsesOrThrowsClearly(bytes: Uint8Array): void {
    try {
      const f = parseSafetensors(bytes, 'fuzz');
      for (const [name, t] of f.tensors) if (['F32', 'F16', 'BF16'].includes(t.dtype)) f.read(name);
    } catch (e) {
      if (!(e instanceof SafetensorsError)) throw e;
      expect(e.message.startsWith('fuzz: ')).toBe(true);
    }
  }

  it('any bytes parse or throw a SafetensorsError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), parsesOrThrowsClearly), {
      numRuns: 2000,
    });
  });

  it('mutated and truncated valid files parse or throw a SafetensorsError', () => {
    const valid = writeSafetensors(SAMPLE, { format: 'pt' }, 'F16');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          maxLength: 6,
        }),
        fc.nat(valid.length),
        (edits, cut) => {
          const b = valid.slice(0, Math.max(cut, valid.length - 40));
          for (const [pos, value] of edits) if (pos < b.length) b[pos] = value;
          parsesOrThrowsClearly(b);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('arbitrary JSON headers parse or throw a SafetensorsError', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 3 }),
        fc.uint8Array({ maxLength: 64 }),
        (header, data) => {
          parsesOrThrowsClearly(fileOf(header, data));
          parsesOrThrowsClearly(fileOf({ t: header }, data));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("keeps a tensor named '__proto__' and refuses one named '__metadata__'", () => {
    // fast-check found this: a plain-object header turned the key into a prototype assignment.
    const t = { shape: [2], data: Float32Array.from([1, 2]) };
    const f = parseSafetensors(writeSafetensors(new Map([['__proto__', t]])));
    expect([...f.tensors.keys()]).toEqual(['__proto__']);
    expect(f.read('__proto__')).toEqual(t.data);
    expect(() => writeSafetensors(new Map([['__metadata__', t]]))).toThrow(/reserved/);
  });

  it('well-formed random files always parse and round-trip', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '__metadata__'),
          fc.array(fc.float({ noNaN: true }), { maxLength: 12 }),
          { maxKeys: 6 },
        ),
        (dict) => {
          const tensors = new Map(
            Object.entries(dict).map(([k, v]) => [
              k,
              { shape: [v.length], data: Float32Array.from(v) },
            ]),
          );
          const f = parseSafetensors(writeSafetensors(tensors));
          for (const [k, t] of tensors) expect(f.read(k)).toEqual(t.data);
        },
      ),
      { numRuns: 300 },
    );
  });
});
