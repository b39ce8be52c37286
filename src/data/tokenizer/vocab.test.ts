// Tests of vocab.txt parsing (line ends, BOM, errors) and of loading a vocabulary over fetch.
import { describe, expect, it } from 'vitest';
import { loadVocabFromUrl, parseVocab } from './index';

describe('parseVocab', () => {
  it('reads one token per line, with LF or CRLF, a BOM and trailing newlines', () => {
    expect(parseVocab('[PAD]\n[UNK]\nhello')).toEqual(['[PAD]', '[UNK]', 'hello']);
    expect(parseVocab('[PAD]\n[UNK]\nhello\n')).toEqual(['[PAD]', '[UNK]', 'hello']);
    expect(parseVocab('\ufeff[PAD]\r\n[UNK]\r\nhello\r\n\r\n')).toEqual([
      '[PAD]',
      '[UNK]',
      'hello',
    ]);
    // a BOM is only stripped at the very start; spaces inside tokens are kept
    expect(parseVocab('a\n\ufeffb\n c ')).toEqual(['a', '\ufeffb', ' c ']);
  });

  it('rejects an empty file, an empty line inside the list and duplicates, naming the source', () => {
    expect(() => parseVocab('', 'v.txt')).toThrow('v.txt: the vocabulary is empty (no tokens)');
    expect(() => parseVocab('\ufeff\r\n\n')).toThrow('vocabulary: the vocabulary is empty');
    expect(() => parseVocab('a\n\nb\n', 'v.txt')).toThrow(
      'v.txt: line 2 is empty (every line must hold one token)',
    );
    expect(() => parseVocab('a\nb\r\nc\nb\n', 'v.txt')).toThrow(
      'v.txt: line 4: duplicate token "b" (first on line 2)',
    );
  });
});

/** A fetch double that answers every request with `res`, or rejects with `err`. */
function fakeFetch(res: Response | Error): typeof fetch {
  const f: typeof fetch = async () => {
    if (res instanceof Error) throw res;
    return res;
  };
  return f;
}

describe('loadVocabFromUrl', () => {
  it('parses the body of a successful response', async () => {
    const urls: string[] = [];
    const f: typeof fetch = async (input) => {
      urls.push(String(input));
      return new Response('[PAD]\n[UNK]\nx\n', { status: 200 });
    };
    await expect(loadVocabFromUrl('https://example.test/vocab.txt', f)).resolves.toEqual([
      '[PAD]',
      '[UNK]',
      'x',
    ]);
    expect(urls).toEqual(['https://example.test/vocab.txt']);
  });

  it('reports HTTP failures with the status', async () => {
    const f = fakeFetch(new Response('nope', { status: 404, statusText: 'Not Found' }));
    await expect(loadVocabFromUrl('https://example.test/v.txt', f)).rejects.toThrow(
      'could not fetch vocabulary from https://example.test/v.txt: HTTP 404 Not Found',
    );
  });

  it('reports network errors and parse errors with the URL', async () => {
    await expect(
      loadVocabFromUrl('https://x.test/v', fakeFetch(new TypeError('fetch failed'))),
    ).rejects.toThrow('could not fetch vocabulary from https://x.test/v: fetch failed');
    const dup = fakeFetch(new Response('a\na\n', { status: 200 }));
    await expect(loadVocabFromUrl('https://x.test/v', dup)).rejects.toThrow(
      'https://x.test/v: line 2: duplicate token "a"',
    );
  });
});
