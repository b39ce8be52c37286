// WordPiece vocabulary files: parse vocab.txt text (one token a line, line index = id) and fetch
// one from a URL. The caller supplies text or a fetch; nothing here touches the file system.

/**
 * Parses a vocab.txt: one token per line, the 0-based line index is the token id. Accepts LF or
 * CRLF line ends, a leading UTF-8 byte-order mark and trailing empty lines. Throws, naming `source`
 * and the line, on an empty file, an empty line inside the list (it would shift every later id)
 * or a duplicate token.
 */
export function parseVocab(text: string, source = 'vocabulary'): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  const tokens = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (tokens.length > 0 && tokens[tokens.length - 1] === '') tokens.pop();
  if (tokens.length === 0) throw new Error(`${source}: the vocabulary is empty (no tokens)`);
  const seen = new Map<string, number>();
  tokens.forEach((tok, i) => {
    if (tok === '') {
      throw new Error(`${source}: line ${i + 1} is empty (every line must hold one token)`);
    }
    const first = seen.get(tok);
    if (first !== undefined) {
      throw new Error(
        `${source}: line ${i + 1}: duplicate token ${JSON.stringify(tok)} (first on line ${first + 1})`,
      );
    }
    seen.set(tok, i);
  });
  return tokens;
}

/**
 * Fetches a vocab.txt from `url` and parses it with {@link parseVocab}. Throws a clear error on a
 * network failure or a non-2xx HTTP status.
 */
export async function loadVocabFromUrl(
  url: string,
  fetchImpl: typeof fetch = fetch,
): Promise<string[]> {
  let res: Response;
  try {
    res = await fetchImpl(url);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`could not fetch vocabulary from ${url}: ${why}`, { cause: err });
  }
  if (!res.ok) {
    const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    throw new Error(`could not fetch vocabulary from ${url}: HTTP ${status}`);
  }
  return parseVocab(await res.text(), url);
}
