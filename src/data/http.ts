// HTTP helpers shared by the URL and Hub loaders: URL validation (http/https only) and fetch
// with network failures and error statuses turned into DataErrors that name the URL.
import { DataError } from './errors';

/** Parses `url` and accepts only http: and https:; anything else throws DataError. */
export function checkHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new DataError(url, undefined, 'not a valid URL (expected http://… or https://…)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    const why = `only http and https URLs can be loaded, not ${parsed.protocol}`;
    throw new DataError(url, undefined, why);
  }
  return parsed;
}

/**
 * Fetches `url` with `fetchImpl`; a network failure (DNS, refused, CORS, offline) throws
 * DataError naming the URL. The response is returned whatever its status (see `expectOk`).
 */
export async function fetchOrThrow(
  url: string,
  fetchImpl: typeof fetch,
  init?: RequestInit,
): Promise<Response> {
  const href = checkHttpUrl(url).href;
  try {
    return await fetchImpl(href, init);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    const why =
      `could not fetch (${detail}); check the address and your connection, and that the ` +
      'server allows cross-origin requests (CORS)';
    throw new DataError(url, undefined, why);
  }
}

/** Throws DataError "HTTP 404 Not Found" (plus `detail`) unless the response is 2xx. */
export function expectOk(res: Response, url: string, detail?: string): void {
  if (res.ok) return;
  const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  throw new DataError(url, undefined, detail ? `${status}: ${detail}` : status);
}
