// Reading one split of a Hugging Face dataset through the dataset viewer API
// (datasets-server.huggingface.co): the whole split from its parquet files with hyparquet (HTTP
// range requests), or page by page from the /rows endpoint. Responses are checked with zod.
import {
  asyncBufferFromUrl,
  cachedAsyncBuffer,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from 'hyparquet';
import { z } from 'zod';
import { DataError } from './errors';
import { checkHttpUrl, expectOk, fetchOrThrow } from './http';

/** The public dataset viewer API. */
export const HUB_API_BASE = 'https://datasets-server.huggingface.co';
/** Most rows the /rows endpoint returns per request. */
export const ROWS_PAGE = 100;

/** One row as the Hub gives it: column name → value (string, number, bigint from parquet…). */
export type HubRow = Record<string, unknown>;

/** Where requests go and how: the API base URL and the fetch to use. */
export interface HubContext {
  baseUrl: string;
  fetchImpl: typeof fetch;
}

/** A split to read: dataset id, config and split names. */
export interface SplitRef {
  dataset: string;
  config: string;
  split: string;
}

const FeatureSchema = z.object({
  name: z.string(),
  type: z.object({
    _type: z.string().optional(),
    dtype: z.string().optional(),
    names: z.array(z.string()).optional(),
  }),
});
/** A column of a Hub dataset as /rows describes it (datasets' Value or ClassLabel type). */
export type HubFeature = z.output<typeof FeatureSchema>;

const RowsSchema = z.object({
  features: z.array(FeatureSchema),
  rows: z.array(z.object({ row_idx: z.number(), row: z.record(z.string(), z.unknown()) })),
  num_rows_total: z.number().int().nonnegative(),
});
const ParquetSchema = z.object({
  parquet_files: z.array(
    z.object({ split: z.string(), url: z.string(), size: z.number().optional() }),
  ),
});
const ErrorSchema = z.object({ error: z.string() });

/** Display id of a split, used as the DataError `file`: 'nyu-mll/glue sst2/train'. */
export function splitId(s: SplitRef): string {
  return `${s.dataset} ${s.config}/${s.split}`;
}

function apiUrl(ctx: HubContext, path: string, params: Record<string, string | number>): string {
  const base = checkHttpUrl(ctx.baseUrl).href.replace(/\/+$/, '');
  const query = Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${base}/${path}?${query}`;
}

/** GETs JSON from the API and checks it against `schema`; errors name `where`. */
async function getJson<S extends z.ZodType>(
  ctx: HubContext,
  url: string,
  schema: S,
  where: string,
): Promise<z.output<S>> {
  const res = await fetchOrThrow(url, ctx.fetchImpl);
  const body = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    expectOk(res, where);
    throw new DataError(where, undefined, `the dataset viewer sent something other than JSON`);
  }
  const apiError = ErrorSchema.safeParse(json);
  expectOk(res, where, apiError.success ? apiError.data.error : undefined);
  if (apiError.success) throw new DataError(where, undefined, apiError.data.error);
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? issue.path.join('.') : '';
    const at = path || 'body';
    const why = `unexpected response from the dataset viewer (${at}: ${issue?.message})`;
    throw new DataError(where, undefined, why);
  }
  return parsed.data;
}

/** The split's columns, from a one-row /rows request. */
export async function hubFeatures(ctx: HubContext, s: SplitRef): Promise<HubFeature[]> {
  const url = apiUrl(ctx, 'rows', { ...s, offset: 0, length: 1 });
  return (await getJson(ctx, url, RowsSchema, splitId(s))).features;
}

/** The parquet files of one split, in the order the API lists them (shard order). */
export async function parquetFiles(
  ctx: HubContext,
  s: SplitRef,
): Promise<Array<{ url: string; size?: number }>> {
  const url = apiUrl(ctx, 'parquet', { dataset: s.dataset, config: s.config });
  const list = await getJson(ctx, url, ParquetSchema, splitId(s));
  return list.parquet_files.filter((f) => f.split === s.split);
}

function missingColumns(wanted: readonly string[], found: readonly string[], where: string): void {
  const missing = wanted.filter((c) => !found.includes(c));
  if (missing.length === 0) return;
  const why = `expected columns ${wanted.join(', ')}; found ${found.join(', ')}`;
  throw new DataError(where, undefined, why);
}

/** Progress of a split read: rows so far and the split's total (capped by maxRows). */
export type SplitProgress = (done: number, total: number) => void;

/**
 * Reads `columns` of a split from its parquet files, at most `maxRows` rows, over HTTP range
 * requests (hyparquet). Throws DataError when the split has no parquet file, a column is missing,
 * or a file cannot be fetched or decoded.
 */
export async function readParquetSplit(
  ctx: HubContext,
  s: SplitRef,
  columns: readonly string[],
  maxRows = Infinity,
  onProgress?: SplitProgress,
): Promise<HubRow[]> {
  const files = await parquetFiles(ctx, s);
  if (files.length === 0) throw new DataError(splitId(s), undefined, 'no parquet file for split');
  const out: HubRow[] = [];
  for (const f of files) {
    if (out.length >= maxRows) break;
    const url = checkHttpUrl(f.url).href;
    let rows: HubRow[];
    try {
      const file = cachedAsyncBuffer(
        await asyncBufferFromUrl({ url, byteLength: f.size, fetch: ctx.fetchImpl }),
      );
      const metadata = await parquetMetadataAsync(file);
      const names = parquetSchema(metadata).children.map((c) => c.element.name);
      missingColumns(columns, names, splitId(s));
      const rowEnd = Math.min(Number(metadata.num_rows), maxRows - out.length);
      rows = await parquetReadObjects({ file, metadata, columns: [...columns], rowEnd });
    } catch (err) {
      if (err instanceof DataError) throw err;
      const why = `could not read parquet (${err instanceof Error ? err.message : String(err)})`;
      throw new DataError(url, undefined, why);
    }
    for (const r of rows) out.push(r);
    onProgress?.(out.length, Number.isFinite(maxRows) ? maxRows : out.length);
  }
  return out;
}

/**
 * Reads `columns` of a split from the /rows endpoint, ROWS_PAGE rows a request, until
 * num_rows_total or `maxRows`. Throws DataError with the API's error text (e.g. dataset not
 * found) or when a column is missing.
 */
export async function readRowsSplit(
  ctx: HubContext,
  s: SplitRef,
  columns: readonly string[],
  maxRows = Infinity,
  onProgress?: SplitProgress,
): Promise<HubRow[]> {
  const out: HubRow[] = [];
  let total = Infinity;
  while (out.length < Math.min(total, maxRows)) {
    const length = Math.min(ROWS_PAGE, maxRows - out.length, total - out.length);
    const url = apiUrl(ctx, 'rows', { ...s, offset: out.length, length });
    const page = await getJson(ctx, url, RowsSchema, splitId(s));
    if (out.length === 0) {
      const names = page.features.map((f) => f.name);
      missingColumns(columns, names, splitId(s));
    }
    total = page.num_rows_total;
    if (page.rows.length === 0) break; // the API ran short of its own total: stop, do not spin
    for (const r of page.rows) out.push(r.row);
    onProgress?.(out.length, Math.min(total, maxRows));
  }
  return out.slice(0, maxRows);
}
