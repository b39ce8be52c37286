// File and URL loaders: train/dev inferred from names, GLUE layouts vs the generic reader, the
// seeded split of a lone file, and errors naming the file or URL. URLs hit a local fixture
// server only.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA_MISSING, sharedDataFile } from '../cli/shared-data';
import {
  buildTask,
  loadTaskFromFiles,
  loadTaskFromUrls,
  splitExamples,
  splitRole,
  type NamedFile,
} from './loaders';
import { expectDataErrorAsync } from '../../test/fixtures/expect-data-error';
import { startFixtureServer, type FixtureServer } from '../../test/fixtures/fixture-server';

const fixture = (path: string): string =>
  readFileSync(new URL(`../../test/fixtures/${path}`, import.meta.url), 'utf8');

/** A File-like object from text (and optionally raw bytes instead). */
function file(name: string, text: string, bytes?: Uint8Array): NamedFile {
  const f: NamedFile = { name, text: () => Promise.resolve(text) };
  if (bytes) f.arrayBuffer = () => Promise.resolve(bytes.slice().buffer);
  return f;
}

const userCsv = (n: number): string =>
  `text,label\n${Array.from({ length: n }, (_, i) => `sentence number ${i},${i % 3 === 0 ? 'neg' : 'pos'}`).join('\n')}\n`;

describe('splitRole', () => {
  it.each([
    ['train.tsv', 'train'],
    ['SST2_Train.csv', 'train'],
    ['dev.tsv', 'dev'],
    ['dev_matched.tsv', 'dev'],
    ['my-validation.csv', 'dev'],
    ['test.csv', 'dev'],
    ['data.csv', undefined],
    ['train_dev.tsv', undefined],
  ])('%s → %s', (name, role) => expect(splitRole(name)).toBe(role));
});

describe('loadTaskFromFiles', () => {
  it('reads a GLUE train/dev pair in either order with its layout', async () => {
    const files = [
      file('dev.tsv', fixture('tiny-sst2/dev.tsv')),
      file('train.tsv', fixture('tiny-sst2/train.tsv')),
    ];
    const data = await loadTaskFromFiles(files, 'sst2');
    expect(data.spec.id).toBe('sst2');
    expect(data.train).toHaveLength(5);
    expect(data.train[2]).toEqual({ a: 'not bad at all', label: 1 });
    expect(data.dev).toEqual([
      { a: 'sharp and moving', label: 1 },
      { a: 'tedious from start to finish', label: 0 },
    ]);
    expect(data.source).toBe('train.tsv + dev.tsv');
  });

  it('splits a lone user file 90/10, seeded and reproducible', async () => {
    const text = userCsv(200);
    const a = await loadTaskFromFiles([file('reviews.csv', text)]);
    const b = await loadTaskFromFiles([file('reviews.csv', text)]);
    const c = await loadTaskFromFiles([file('reviews.csv', text)], undefined, { seed: 1 });
    expect(a.spec).toMatchObject({
      id: 'custom',
      name: 'reviews',
      labelNames: ['neg', 'pos'],
      numLabels: 2,
    });
    expect([a.train.length, a.dev.length]).toEqual([180, 20]);
    expect(a).toEqual(b);
    expect(c.dev).not.toEqual(a.dev);
    const all = new Set([...a.train, ...a.dev].map((e) => e.a));
    expect(all.size).toBe(200); // disjoint and complete
    expect(a.source).toBe('reviews.csv (split 90/10, seed 0)');
    // file order kept within each split
    const idx = a.dev.map((e) => Number(e.a.split(' ').pop()));
    expect(idx).toEqual([...idx].sort((x, y) => x - y));
  });

  it('uses the given task id as the name of user data', async () => {
    const data = await loadTaskFromFiles(
      [file('train.csv', userCsv(10)), file('val.csv', userCsv(4))],
      'my-task',
    );
    expect(data.spec).toMatchObject({ id: 'my-task', name: 'my-task' });
    expect([data.train.length, data.dev.length]).toEqual([10, 4]);
  });

  it('errors name the file: bad row in dev, bad bytes, pair mismatch, ambiguous names, counts', async () => {
    const badDev = await expectDataErrorAsync(
      loadTaskFromFiles(
        [
          file('train.tsv', fixture('tiny-sst2/train.tsv')),
          file('dev.tsv', 'sentence\tlabel\nok\t1\nbroken\n'),
        ],
        'sst2',
      ),
    );
    expect(badDev.message).toBe('dev.tsv line 3: expected 2 columns, found 1');
    const bytes = new Uint8Array([0x74, 0x65, 0x78, 0x74, 0xc3, 0x28, 0x0a]);
    const notUtf8 = await expectDataErrorAsync(
      loadTaskFromFiles([file('data.csv', 'unused', bytes)]),
    );
    expect(notUtf8.message).toBe('data.csv: not UTF-8 text (binary file or another encoding?)');
    const replaced = await expectDataErrorAsync(
      loadTaskFromFiles([file('data.csv', 'text,label\nx\uFFFD,1\n')]),
    );
    expect(replaced.message).toBe('data.csv line 2: not valid UTF-8 text (an undecodable byte)');
    const mismatch = await expectDataErrorAsync(
      loadTaskFromFiles([
        file('train.csv', userCsv(4)),
        file('dev.csv', 'sentence1,sentence2,label\na,b,pos\n'),
      ]),
    );
    expect(mismatch.message).toBe('dev.csv: has pairs but train.csv has single sentences');
    const ambiguous = await expectDataErrorAsync(
      loadTaskFromFiles([file('a.csv', userCsv(4)), file('b.csv', userCsv(4))]),
    );
    expect(ambiguous.message).toMatch(
      /^a\.csv, b\.csv: cannot tell which file is train and which is dev/,
    );
    const three = await expectDataErrorAsync(
      loadTaskFromFiles([file('a', ''), file('b', ''), file('c', '')]),
    );
    expect(three.message).toBe('a, b, c: expected one file, or two (train and dev), got 3');
    const tiny = await expectDataErrorAsync(
      loadTaskFromFiles([file('one.csv', 'text,label\nonly,1\n')], undefined, {
        kind: 'regression',
      }),
    );
    expect(tiny.message).toBe('one.csv: needs at least 2 rows to split into train/dev');
  });

  const mrpcTrain = sharedDataFile('glue', 'MRPC', 'train.tsv');
  const mrpcDev = sharedDataFile('glue', 'MRPC', 'dev.tsv');
  if (!mrpcTrain || !mrpcDev) console.warn(`skipping MRPC file load: ${SHARED_DATA_MISSING}`);
  it.skipIf(!mrpcTrain || !mrpcDev)(
    'loads the real MRPC pair (BOM, unbalanced quotes)',
    async () => {
      const data = await loadTaskFromFiles(
        [
          file('train.tsv', readFileSync(mrpcTrain!, 'utf8')),
          file('dev.tsv', readFileSync(mrpcDev!, 'utf8')),
        ],
        'mrpc',
      );
      expect([data.train.length, data.dev.length]).toEqual([3668, 408]);
      expect(data.spec.mainMetric).toBe('f1');
    },
  );
});

describe('splitExamples', () => {
  it('rounds the dev share, keeps at least one row on each side, rejects bad fractions', () => {
    const rows = Array.from({ length: 3 }, (_, i) => ({ a: String(i), label: 0 }));
    const s = splitExamples(rows, 0, 0.1, 'f');
    expect([s.train.length, s.dev.length]).toEqual([2, 1]);
    expect(splitExamples(rows, 0, 0.99, 'f').train).toHaveLength(1);
    expect(() => splitExamples(rows, 0, 1, 'f')).toThrow('devFraction must be in (0, 1)');
  });

  it('buildTask splits a GLUE file too', () => {
    const data = buildTask(
      { name: 'train.tsv', text: fixture('tiny-sst2/train.tsv') },
      undefined,
      'sst2',
      { devFraction: 0.4 },
    );
    expect([data.train.length, data.dev.length]).toEqual([3, 2]);
    expect(data.source).toBe('train.tsv (split 60/40, seed 0)');
  });
});

describe('loadTaskFromUrls (local fixture server)', () => {
  let server: FixtureServer;
  beforeAll(async () => {
    server = await startFixtureServer((url) => {
      if (url.pathname === '/sst2/train.tsv')
        return { body: fixture('tiny-sst2/train.tsv'), type: 'text/tab-separated-values' };
      if (url.pathname === '/sst2/dev.tsv') return { body: fixture('tiny-sst2/dev.tsv') };
      if (url.pathname === '/binary.bin') return { body: new Uint8Array([0x80, 0x81, 0xfe]) };
      if (url.pathname === '/forbidden') return { status: 403, body: 'no' };
      return undefined;
    });
  });
  afterAll(() => server.close());

  it('fetches and parses a GLUE pair', async () => {
    const data = await loadTaskFromUrls({
      task: 'sst2',
      trainUrl: `${server.base}/sst2/train.tsv`,
      devUrl: `${server.base}/sst2/dev.tsv`,
    });
    expect([data.train.length, data.dev.length]).toEqual([5, 2]);
    expect(data.source).toBe(`${server.base}/sst2/train.tsv + ${server.base}/sst2/dev.tsv`);
  });

  it('splits when no dev URL is given', async () => {
    const data = await loadTaskFromUrls({
      task: 'sst2',
      trainUrl: `${server.base}/sst2/train.tsv`,
      devUrl: ' ',
    });
    expect(data.train.length + data.dev.length).toBe(5);
  });

  it('HTTP errors, non-UTF-8 bodies, bad URLs and network failures name the URL', async () => {
    const missing = `${server.base}/sst2/nope.tsv`;
    const e404 = await expectDataErrorAsync(
      loadTaskFromUrls({
        task: 'sst2',
        trainUrl: `${server.base}/sst2/train.tsv`,
        devUrl: missing,
      }),
    );
    expect(e404.message).toBe(`${missing}: HTTP 404 Not Found`);
    expect(e404.file).toBe(missing);
    const e403 = await expectDataErrorAsync(
      loadTaskFromUrls({ trainUrl: `${server.base}/forbidden` }),
    );
    expect(e403.message).toBe(`${server.base}/forbidden: HTTP 403 Forbidden`);
    const bin = await expectDataErrorAsync(
      loadTaskFromUrls({ trainUrl: `${server.base}/binary.bin` }),
    );
    expect(bin.message).toBe(
      `${server.base}/binary.bin: not UTF-8 text (binary file or another encoding?)`,
    );
    const ftp = await expectDataErrorAsync(
      loadTaskFromUrls({ trainUrl: 'ftp://example.org/train.tsv' }),
    );
    expect(ftp.message).toBe(
      'ftp://example.org/train.tsv: only http and https URLs can be loaded, not ftp:',
    );
    const junk = await expectDataErrorAsync(loadTaskFromUrls({ trainUrl: 'train.tsv' }));
    expect(junk.message).toBe('train.tsv: not a valid URL (expected http://… or https://…)');
    // a port nobody listens on: start a server, note its port, close it
    const gone = await startFixtureServer(() => undefined);
    await gone.close();
    const refused = await expectDataErrorAsync(
      loadTaskFromUrls({ trainUrl: `${gone.base}/train.tsv` }),
    );
    expect(refused.message).toMatch(
      new RegExp(`^${gone.base}/train.tsv: could not fetch \\(.+\\); check the address`),
    );
  });

  it('uses the fetch it is given', async () => {
    const seen: string[] = [];
    const fake: typeof fetch = (input) => {
      seen.push(String(input));
      return Promise.resolve(new Response('text,label\na,0\nb,1\nc,0\nd,1\n'));
    };
    const data = await loadTaskFromUrls({ trainUrl: 'https://data.example/t.csv' }, fake);
    expect(seen).toEqual(['https://data.example/t.csv']);
    expect(data.train.length + data.dev.length).toBe(4);
  });
});
