// output_format: re-encodes JSON text results as TOON or CSV, which cost a model fewer tokens than
// JSON for tabular and key-value data (see docs/performance.md for measured ratios).
// The server's format wins over the gateway's; `json` and `text` leave results as they are. Only text
// content items are converted, one by one; an item is left as it was when it is over 1 MiB, is not a
// JSON object or array, holds a number JSON.parse may round, or does not suit the format; isError
// results are never converted. Runs after the result cap, so a cut (and so unparsable) JSON text
// passes through untouched.
import { encode as encodeToon } from '@toon-format/toon';
// csv-stringify rather than a hand-written writer: RFC 4180 quoting (delimiters, quotes, CR/LF
// inside cells) is where small writers go wrong, and it is a zero-dependency, synchronous,
// widely used package.
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import type { GatewayConfig } from '../../../config/schema.js';
import type { CallHandler, Interceptor, Obj, ToolResult } from '../types.js';

export type Format = GatewayConfig['output_format'];

export interface OutputFormatOptions {
  /** gateway.output_format */
  format: Format;
  /** mcp-servers[].output_format, for the servers that set one */
  perServer: ReadonlyMap<string, Format>;
}

/** Larger text items are passed through unconverted (the reference's limit). */
export const MAX_CONVERT_BYTES = 1024 * 1024;

type Converter = (value: unknown) => string | undefined;

const CONVERTERS: Partial<Record<Format, Converter>> = { toon: toToon, csv: toCsv };

/** Whether `format` changes results at all (`toon`, `csv`); `json` and `text` pass them through. */
export function converts(format: Format | undefined): boolean {
  return format !== undefined && CONVERTERS[format] !== undefined;
}

export function outputFormat(opts: OutputFormatOptions): Interceptor {
  // Nothing to convert anywhere: the interceptor is not on the path at all.
  if (!converts(opts.format) && ![...opts.perServer.values()].some(converts)) return (next) => next;
  return (next: CallHandler) => async (ctx) => {
    const result = await next(ctx);
    const format = (ctx.server !== undefined ? opts.perServer.get(ctx.server) : undefined) ?? opts.format;
    return formatResult(result, format);
  };
}

/** One result in `format`, as the interceptor would answer it (also what the token bench measures). */
export function formatResult(result: ToolResult, format: Format): ToolResult {
  const convert = CONVERTERS[format];
  return convert ? convertResult(result, convert) : result;
}

/** The conversion over one result; returns `result` itself when no item changed. */
export function convertResult(result: ToolResult, convert: Converter): ToolResult {
  if (result.isError === true || !Array.isArray(result.content)) return result;
  const content = result.content as unknown[];
  let out: unknown[] | undefined;
  for (let i = 0; i < content.length; i++) {
    const item = content[i];
    if (!isObj(item) || item.type !== 'text' || typeof item.text !== 'string') continue;
    const text = convertText(item.text, convert);
    if (text === undefined) continue;
    out ??= content.slice();
    out[i] = { ...item, text };
  }
  return out ? { ...result, content: out } : result;
}

function convertText(text: string, convert: Converter): string | undefined {
  if (text.length > MAX_CONVERT_BYTES) return undefined;
  if (text.length * 3 > MAX_CONVERT_BYTES && Buffer.byteLength(text, 'utf8') > MAX_CONVERT_BYTES)
    return undefined;
  // Only objects and arrays gain anything; this also skips prose without trying to parse it.
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  // A run of 16+ digits may be a number beyond double precision (an id, say) that JSON.parse would
  // silently round; such text stays JSON. Digits inside strings are caught too, which only costs
  // a conversion.
  if (LONG_DIGITS.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  // Empty containers gain nothing (and TOON would turn `{}` into an empty text).
  if (typeof value !== 'object' || value === null || Object.keys(value).length === 0) return undefined;
  try {
    const converted = convert(value);
    return converted === text ? undefined : converted;
  } catch {
    return undefined; // a converter failure keeps the original
  }
}

const LONG_DIGITS = /(?:\d\.?){16}/;

function toToon(value: unknown): string {
  return encodeToon(value);
}

type Cell = string | number | boolean | null;

/** A non-empty array of objects whose values are all scalars; anything else is not for CSV. */
function toCsv(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of value) {
    if (!isObj(row)) return undefined;
    for (const [k, v] of Object.entries(row)) {
      if (v !== null && typeof v === 'object') return undefined;
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  if (columns.length === 0) return undefined;
  // Columns are the union of all rows' keys in first-seen order; a missing key and null are both an
  // empty cell. Rows go in as arrays of own values, so a column named like an Object.prototype member
  // (`valueOf`) never reads the inherited function. Booleans as words (the default is 1 and "").
  const rows = (value as Obj[]).map((row) =>
    columns.map((c) => (Object.hasOwn(row, c) ? (row[c] as Cell) : null)),
  );
  return stringifyCsv([columns, ...rows], { record_delimiter: 'unix', cast: { boolean: (b) => String(b) } });
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
