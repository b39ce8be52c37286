// Hub loader against a local imitation of the dataset viewer API: /rows with pagination, /parquet
// listing real parquet files (written by test/fixtures/parquet-writer.ts) read with range
// requests, API errors, wrong columns, unlabelled test splits, and a non-GLUE dataset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTaskFromHub, type HubOptions } from './hub';
import { ROWS_PAGE } from './hub-api';
import { expectDataErrorAsync } from '../../test/fixtures/expect-data-error';
import {
  startFixtureServer,
  type FixtureReply,
  type FixtureServer,
} from '../../test/fixtures/fixture-server';
import { writeParquet } from '../../test/fixtures/parquet-writer';

type Row = Record<string, string | number>;
interface Split {
  rows: Row[];
  features: Array<{ name: string; type: Record<string, unknown> }>;
  /** Parquet shards as row counts; absent = no parquet for this split. */
  shards?: number[];
}

const STRING = { dtype: 'string', _type: 'Value' };
const sst2Features = [
  { name: 'sentence', type: STRING },
  { name: 'label', type: { names: ['negative', 'positive'], _type: 'ClassLabel' } },
  { name: 'idx', type: { dtype: 'int32', _type: 'Value' } },
];
const sst2Rows = (n: number, prefix: string, label?: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({
    sentence: `${prefix} sentence ${i}`,
    label: label ?? (i * 7) % 2,
    idx: i,
  }));

const NOT_FOUND =
  'The dataset does not exist, or is not accessible without authentication (private or gated). Please check the spelling of the dataset name or retry with authentication.';

const DATA: Record<string, Record<string, Split>> = {
  'nyu-mll/glue/sst2': {
    train: { rows: sst2Rows(250, 'train'), features: sst2Features, shards: [150, 100] },
    validation: { rows: sst2Rows(30, 'dev'), features: sst2Features, shards: [30] },
    test: { rows: sst2Rows(20, 'test', -1), features: sst2Features, shards: [20] },
    mixed: { rows: [...sst2Rows(3, 'a', -1), ...sst2Rows(5, 'b')], features: sst2Features },
  },
  'nyu-mll/glue/stsb': {
    train: {
      rows: [0.5, 4.25, 3, 5].map((label, i) => ({
        sentence1: `a${i}`,
        sentence2: `b${i}`,
        label,
        idx: i,
      })),
      features: [
        { name: 'sentence1', type: STRING },
        { name: 'sentence2', type: STRING },
        { name: 'label', type: { dtype: 'float32', _type: 'Value' } },
      ],
      shards: [4],
    },
    validation: {
      rows: [{ sentence1: 'x', sentence2: 'y', label: 1.5, idx: 0 }],
      features: [
        { name: 'sentence1', type: STRING },
        { name: 'sentence2', type: STRING },
        { name: 'label', type: { dtype: 'float32', _type: 'Value' } },
      ],
      shards: [1],
    },
  },
  'someone/reviews/default': {
    train: {
      rows: [
        { text: 'loved it', label: 1 },
        { text: 'hated it', label: 0 },
        { text: 'fine', label: 2 },
      ],
      features: [
        { name: 'text', type: STRING },
        { name: 'label', type: { names: ['neg', 'pos', 'mixed'], _type: 'ClassLabel' } },
      ],
    },
    validation: { rows: [{ text: 'meh', label: 2 }], features: [] },
  },
  'someone/broken/default': {
    train: {
      rows: [
        { text: 'x', label: 0 },
        { text: 'y', label: 1 },
      ],
      features: [
        { name: 'text', type: STRING },
        { name: 'label', type: { dtype: 'int64', _type: 'Value' } },
      ],
      shards: [2],
    },
    validation: { rows: [{ text: 'z', label: 1 }], features: [], shards: [1] },
  },
};

function parquetShard(split: Split, start: number, end: number): Uint8Array {
  const rows = split.rows.slice(start, end);
  const names = Object.keys(rows[0]!);
  return writeParquet(
    names.map((name) => {
      const values = rows.map((r) => r[name]!);
      if (typeof values[0] === 'string')
        return { name, type: 'string', values: values.map(String) };
      if (name === 'label' && values.some((v) => !Number.isInteger(v)))
        return { name, type: 'double', values: values.map(Number) };
      return { name, type: 'int64', values: values.map(Number) };
    }),
  );
}

function route(base: () => string) {
  return (url: URL): FixtureReply | undefined => {
    const q = (k: string): string => url.searchParams.get(k) ?? '';
    const key = `${q('dataset')}/${q('config')}`;
    if (url.pathname === '/rows') {
      const split = DATA[key]?.[q('split')];
      if (!split) return { status: 404, body: { json: { error: NOT_FOUND } } };
      const offset = Number(q('offset'));
      const length = Number(q('length'));
      if (length > ROWS_PAGE)
        return { status: 422, body: { json: { error: 'Parameter length must be <= 100' } } };
      if (q('dataset') === 'bad/shape')
        return { body: { json: { features: [], num_rows_total: 'many' } } };
      const features = split.features.length ? split.features : DATA[key]!['train']!.features;
      return {
        body: {
          json: {
            features: features.map((f, i) => ({ feature_idx: i, ...f })),
            rows: split.rows
              .slice(offset, offset + length)
              .map((row, i) => ({ row_idx: offset + i, row, truncated_cells: [] })),
            num_rows_total: split.rows.length,
            num_rows_per_page: 100,
            partial: false,
          },
        },
      };
    }
    if (url.pathname === '/parquet') {
      const splits = DATA[key];
      if (!splits) return { status: 404, body: { json: { error: NOT_FOUND } } };
      const files = Object.entries(splits).flatMap(([name, s]) =>
        (s.shards ?? []).map((_, k) => ({
          dataset: q('dataset'),
          config: q('config'),
          split: name,
          url: `${base()}/files/${key}/${name}/${String(k).padStart(4, '0')}.parquet`,
          filename: `${String(k).padStart(4, '0')}.parquet`,
          size: shardBytes(key, name, k).length,
        })),
      );
      return { body: { json: { parquet_files: files, pending: [], failed: [], partial: false } } };
    }
    const m = /^\/files\/(.+)\/([^/]+)\/(\d+)\.parquet$/.exec(url.pathname);
    if (m) {
      if (m[1] === 'someone/broken/default') return { body: new Uint8Array(200).fill(7) };
      return { body: shardBytes(m[1]!, m[2]!, Number(m[3])) };
    }
    return undefined;
  };
}

function shardBytes(key: string, split: string, k: number): Uint8Array {
  const s = DATA[key]![split]!;
  const shards = s.shards ?? [];
  const start = shards.slice(0, k).reduce((a, b) => a + b, 0);
  return key === 'someone/broken/default'
    ? new Uint8Array(200).fill(7)
    : parquetShard(s, start, start + shards[k]!);
}

let server: FixtureServer;
const opts = (extra: HubOptions = {}): HubOptions => ({ baseUrl: server.base, ...extra });
const GLUE_SST2 = { dataset: 'nyu-mll/glue', config: 'sst2', task: 'sst2' };

beforeAll(async () => {
  server = await startFixtureServer(route(() => server.base));
});
afterAll(() => server.close());

describe('loadTaskFromHub', () => {
  it('rows API: pages of 100 until num_rows_total, rows in order', async () => {
    server.requests.length = 0;
    const data = await loadTaskFromHub(GLUE_SST2, opts({ via: 'rows' }));
    expect(data.spec.id).toBe('sst2');
    expect(data.train).toHaveLength(250);
    expect(data.dev).toHaveLength(30);
    expect(data.train[0]).toEqual({ a: 'train sentence 0', label: 0 });
    expect(data.train[249]).toEqual({ a: 'train sentence 249', label: 1 });
    const pages = server.requests
      .filter((r) => r.includes('split=train'))
      .map((r) => /offset=(\d+)&length=(\d+)/.exec(r)!.slice(1).join('+'));
    expect(pages).toEqual(['0+100', '100+100', '200+50']);
    expect(data.source).toBe('nyu-mll/glue sst2 (train, validation)');
  });

  it('parquet: both shards read with range requests, same examples as the rows API', async () => {
    server.requests.length = 0;
    const viaParquet = await loadTaskFromHub(GLUE_SST2, opts({ via: 'parquet' }));
    const viaRows = await loadTaskFromHub(GLUE_SST2, opts({ via: 'rows' }));
    expect(viaParquet).toEqual(viaRows);
    const parquetRequests = server.requests.filter((r) => r.includes('.parquet'));
    expect(parquetRequests.some((r) => r.includes('train/0001.parquet'))).toBe(true);
    expect(parquetRequests.every((r) => r.includes('range=bytes='))).toBe(true);
  });

  it('auto prefers parquet; maxRows caps each split and stops before the second shard', async () => {
    server.requests.length = 0;
    const data = await loadTaskFromHub(GLUE_SST2, opts({ maxRows: 120 }));
    expect([data.train.length, data.dev.length]).toEqual([120, 30]);
    expect(server.requests.some((r) => r.startsWith('GET /rows'))).toBe(false);
    expect(server.requests.some((r) => r.includes('train/0001.parquet'))).toBe(false);
    expect(data.source).toBe('nyu-mll/glue sst2 (train, validation); at most 120 rows per split');
    const rows = await loadTaskFromHub(GLUE_SST2, opts({ via: 'rows', maxRows: 120 }));
    expect(rows.train).toEqual(data.train);
  });

  it('regression from parquet doubles (STS-B)', async () => {
    const data = await loadTaskFromHub(
      { dataset: 'nyu-mll/glue', config: 'stsb', task: 'stsb' },
      opts({ via: 'parquet' }),
    );
    expect(data.spec.kind).toBe('regression');
    expect(data.train.map((e) => e.label)).toEqual([0.5, 4.25, 3, 5]);
    expect(data.dev).toEqual([{ a: 'x', b: 'y', label: 1.5 }]);
  });

  it('a non-GLUE dataset: columns and classes from its features; no parquet → rows API', async () => {
    const data = await loadTaskFromHub({ dataset: 'someone/reviews', config: 'default' }, opts());
    expect(data.spec).toMatchObject({
      id: 'someone/reviews/default',
      labelNames: ['neg', 'pos', 'mixed'],
      metrics: ['accuracy', 'mcc'],
    });
    expect(data.train[2]).toEqual({ a: 'fine', label: 2 });
  });

  it('unreadable parquet: an error naming the file in parquet mode, the rows API in auto', async () => {
    const ref = { dataset: 'someone/broken', config: 'default' };
    const err = await expectDataErrorAsync(loadTaskFromHub(ref, opts({ via: 'parquet' })));
    expect(err.message).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/files\/someone\/broken\/default\/train\/0000\.parquet: could not read parquet \(/,
    );
    const data = await loadTaskFromHub(ref, opts());
    expect(data.spec.labelNames).toEqual(['0', '1']);
    expect(data.dev).toEqual([{ a: 'z', label: 1 }]);
  });

  it('unlabelled rows (-1) are skipped and noted; an all-unlabelled split is refused', async () => {
    const mixed = await loadTaskFromHub(
      { ...GLUE_SST2, trainSplit: 'mixed' },
      opts({ via: 'rows' }),
    );
    expect(mixed.train).toHaveLength(5);
    expect(mixed.source).toBe('nyu-mll/glue sst2 (mixed, validation); 3 unlabelled rows skipped');
    const test = await expectDataErrorAsync(
      loadTaskFromHub({ ...GLUE_SST2, devSplit: 'test' }, opts()),
    );
    expect(test.message).toBe(
      'nyu-mll/glue sst2/test: no labelled rows (every label is -1, as in a test split); choose a labelled split',
    );
  });

  it("errors: the API's own text for a missing dataset, expected vs found columns, a bad response", async () => {
    const missing = await expectDataErrorAsync(
      loadTaskFromHub({ dataset: 'nobody/nothing', config: 'x', task: 'sst2' }, opts()),
    );
    expect(missing.message).toBe(`nobody/nothing x/train: HTTP 404 Not Found: ${NOT_FOUND}`);
    expect(missing.file).toBe('nobody/nothing x/train');
    const cols = await expectDataErrorAsync(
      loadTaskFromHub({ dataset: 'nyu-mll/glue', config: 'sst2', task: 'mrpc' }, opts()),
    );
    expect(cols.message).toBe(
      'nyu-mll/glue sst2/train: expected columns sentence1, sentence2, label; found sentence, label, idx',
    );
    DATA['bad/shape/c'] = DATA['nyu-mll/glue/sst2']!;
    const shape = await expectDataErrorAsync(
      loadTaskFromHub({ dataset: 'bad/shape', config: 'c', task: 'sst2' }, opts({ via: 'rows' })),
    );
    expect(shape.message).toMatch(
      /^bad\/shape c\/train: unexpected response from the dataset viewer \(rows: /,
    );
  });

  it('rejects a base URL that is not http(s)', async () => {
    const err = await expectDataErrorAsync(
      loadTaskFromHub(GLUE_SST2, { baseUrl: 'file:///etc', via: 'rows' }),
    );
    expect(err.message).toBe('file:///etc: only http and https URLs can be loaded, not file:');
  });
});
