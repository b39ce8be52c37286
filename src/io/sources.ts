// Where checkpoint files come from: an in-memory map (tests, the CLI), files the user picked
// (File-like objects), or the Hugging Face Hub (`{endpoint}/{repo}/resolve/{revision}/{file}`, fetch
// injectable so tests use a local server). A missing file reads as null; anything else that goes
// wrong throws an Error naming the file or URL.

/** A set of named checkpoint files (config.json, model.safetensors, vocab.txt, …). */
export interface WeightFiles {
  /** Where the files come from, for messages ('hub:google/bert_uncased_L-2_H-128_A-2@main'). */
  readonly source: string;
  /** The bytes of `name`, or null when there is no such file. */
  get(name: string): Promise<Uint8Array | null>;
}

/** Files held in memory (strings are UTF-8 encoded). */
export function filesFromMap(
  files: Map<string, Uint8Array | string>,
  source = 'files',
): WeightFiles {
  return {
    source,
    get: (name) => {
      const f = files.get(name);
      return Promise.resolve(
        f === undefined ? null : typeof f === 'string' ? new TextEncoder().encode(f) : f,
      );
    },
  };
}

/** A picked file (the browser's File satisfies it). */
export interface PickedFile {
  name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Files the user picked, matched by base name (a folder upload gives 'folder/config.json'). */
export function filesFromPicked(
  files: readonly PickedFile[],
  source = 'picked files',
): WeightFiles {
  const byName = new Map(files.map((f) => [f.name.split('/').pop() ?? f.name, f]));
  return {
    source,
    get: async (name) => {
      const f = byName.get(name);
      return f ? new Uint8Array(await f.arrayBuffer()) : null;
    },
  };
}

export interface HubOptions {
  /** Branch, tag or commit (default 'main'). */
  revision?: string;
  /** Hub address (default https://huggingface.co). */
  endpoint?: string;
  fetch?: typeof fetch;
  /** Refuse files larger than this many bytes (default 2 GiB). */
  maxBytes?: number;
}

const REPO_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

/** The resolve URL of one file of a Hub repo. */
export function hubFileUrl(
  repo: string,
  file: string,
  revision = 'main',
  endpoint = 'https://huggingface.co',
): string {
  return `${endpoint.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

/**
 * Files of a Hugging Face Hub model repo. HTTP 404 reads as a missing file; other failures (network,
 * 401/403 for gated or private repos, oversized files) throw an Error naming the URL.
 */
export function hubFiles(repo: string, opts: HubOptions = {}): WeightFiles {
  if (!REPO_ID.test(repo)) {
    throw new Error(`'${repo}' is not a Hugging Face repo id (expected 'name' or 'owner/name')`);
  }
  const revision = opts.revision ?? 'main';
  const doFetch = opts.fetch ?? fetch;
  const maxBytes = opts.maxBytes ?? 2 ** 31;
  return {
    source: `hub:${repo}@${revision}`,
    get: async (name) => {
      const url = hubFileUrl(repo, name, revision, opts.endpoint);
      let res: Response;
      try {
        res = await doFetch(url);
      } catch (e) {
        throw new Error(`${url}: could not fetch (${e instanceof Error ? e.message : String(e)})`, {
          cause: e,
        });
      }
      if (res.status === 404) return null;
      if (!res.ok) {
        const hint = res.status === 401 || res.status === 403 ? ' (a gated or private repo?)' : '';
        throw new Error(
          `${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${hint}`,
        );
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > maxBytes)
        throw new Error(`${url}: ${declared} bytes exceeds the limit of ${maxBytes}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length > maxBytes)
        throw new Error(`${url}: ${bytes.length} bytes exceeds the limit of ${maxBytes}`);
      return bytes;
    },
  };
}

/** The text of a file, or null when missing. Throws naming the file on invalid UTF-8. */
export async function readText(files: WeightFiles, name: string): Promise<string | null> {
  const bytes = await files.get(name);
  if (bytes === null) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new Error(`${files.source}/${name}: not UTF-8 text`, { cause: e });
  }
}

/** The parsed JSON of a file, or null when missing. Throws naming the file on invalid JSON. */
export async function readJson(files: WeightFiles, name: string): Promise<unknown> {
  const text = await readText(files, name);
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(
      `${files.source}/${name}: not valid JSON (${e instanceof Error ? e.message : String(e)})`,
      {
        cause: e,
      },
    );
  }
}
