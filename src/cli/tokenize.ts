// CLI: BERT WordPiece encoding of JSON lines. `npm run tokenize -- --vocab FILE [--cased] [--tokens]`
// reads `{"text": ...}` or `{"a": ..., "b": ..., "maxLength": ...}` per stdin line and prints
// `{"ids": [...], "typeIds": [...]}` (plus "tokens" with --tokens) per line. A bad line prints
// `{"error": "line N: ..."}` and the exit code is 1 at the end; a bad vocabulary or usage exits 2.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { WordPieceTokenizer, parseVocab } from '../data/tokenizer';

const USAGE = 'usage: npm run tokenize -- --vocab FILE [--cased] [--tokens]  (JSON lines on stdin)';

interface Args {
  vocab: string;
  cased: boolean;
  tokens: boolean;
}

/** Parses argv (after the script), or returns an error message. */
function parseArgs(argv: readonly string[]): Args | string {
  let vocab: string | undefined;
  let cased = false;
  let tokens = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--vocab') {
      vocab = argv[++i];
      if (vocab === undefined) return '--vocab needs a file name';
    } else if (arg?.startsWith('--vocab=')) vocab = arg.slice('--vocab='.length);
    else if (arg === '--cased') cased = true;
    else if (arg === '--tokens') tokens = true;
    else if (arg === '--help' || arg === '-h') return USAGE;
    else return `unknown argument ${JSON.stringify(arg)}`;
  }
  if (vocab === undefined || vocab === '') return '--vocab FILE is required';
  return { vocab, cased, tokens };
}

interface Request {
  a: string;
  b?: string;
  maxLength?: number;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Validates one parsed JSON line, or returns what is wrong with it. */
function toRequest(x: unknown): Request | string {
  if (!isRecord(x)) return 'expected a JSON object';
  const known = new Set(['text', 'a', 'b', 'maxLength']);
  const extra = Object.keys(x).filter((k) => !known.has(k));
  if (extra.length > 0) return `unknown field(s) ${extra.join(', ')}`;
  const { text, a, b, maxLength } = x;
  if (text !== undefined && a !== undefined) return 'give either "text" or "a", not both';
  const first = text ?? a;
  if (typeof first !== 'string') return '"text" (or "a") must be a string';
  if (b !== undefined && typeof b !== 'string') return '"b" must be a string';
  if (maxLength !== undefined && (typeof maxLength !== 'number' || !Number.isInteger(maxLength))) {
    return '"maxLength" must be an integer';
  }
  return { a: first, b, maxLength };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new Error(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`tokenize: ${args}\n${USAGE}\n`);
    process.exit(2);
  }
  let tokenizer: WordPieceTokenizer;
  try {
    const vocab = parseVocab(readFileSync(args.vocab, 'utf8'), args.vocab);
    tokenizer = new WordPieceTokenizer(vocab, { lowercase: !args.cased });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    process.stderr.write(`tokenize: cannot load vocabulary ${args.vocab}: ${why}\n`);
    process.exit(2);
  }
  let failed = false;
  let lineNo = 0;
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    lineNo++;
    if (line.trim() === '') return;
    let out: string;
    try {
      const req = toRequest(parseJson(line));
      if (typeof req === 'string') throw new Error(req);
      const enc = tokenizer.encode(req.a, req.b, { maxLength: req.maxLength });
      const tokens = args.tokens ? { tokens: enc.ids.map((id) => tokenizer.tokenOf(id)) } : {};
      out = JSON.stringify({ ids: enc.ids, typeIds: enc.typeIds, ...tokens });
    } catch (err) {
      failed = true;
      const why = err instanceof Error ? err.message : String(err);
      out = JSON.stringify({ error: `line ${lineNo}: ${why}` });
    }
    process.stdout.write(`${out}\n`);
  });
  return new Promise((resolve) => {
    rl.on('close', () => {
      if (failed) process.exitCode = 1;
      resolve();
    });
  });
}

void main();
