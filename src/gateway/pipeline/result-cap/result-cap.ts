// gateway.maxToolResultBytes: keeps one tool result from flooding the model's context.
// - A text item over the cap is cut at a UTF-8 character boundary and gets the reference's marker.
// - A structuredContent over the cap is dropped (half a JSON document is no structure) with a note,
//   and the result becomes isError (a tool with an outputSchema may omit structuredContent only then).
// - Items that cannot be cut (image, audio, embedded resource, anything else carrying base64 `data`)
//   share one budget of the cap per result, in order; an item that would go over it is replaced by a
//   text note naming its type, MIME type and size.
// isError results are capped the same way. The upstream's result is never mutated, and a result with
// nothing over the cap is returned as the same object.
import type { CallHandler, Interceptor, Obj, ToolResult } from '../types.js';

export const DEFAULT_MAX_TOOL_RESULT_BYTES = 65_536;

export interface ResultCapOptions {
  /** gateway.maxToolResultBytes; 0 (or less) means the default. */
  maxBytes: number;
}

export function resultCap(opts: ResultCapOptions): Interceptor {
  const cap = capResult(opts.maxBytes);
  return (next: CallHandler) => async (ctx) => cap(await next(ctx));
}

/** The cap as a plain function over one result (the interceptor is this after `next`). */
export function capResult(maxBytes: number): (result: ToolResult) => ToolResult {
  const limit = maxBytes > 0 ? maxBytes : DEFAULT_MAX_TOOL_RESULT_BYTES;
  // Scratch space for encodeInto, which writes only whole characters and reports how many UTF-16
  // units fit: the cut never splits a character, and a lone surrogate in the input is not turned
  // into U+FFFD in the output (the prefix is sliced from the original string). Allocated on the first
  // cut, once per policy set.
  let scratch: Uint8Array | undefined;
  const encoder = new TextEncoder();

  const cutText = (text: string, bytes: number): string => {
    scratch ??= new Uint8Array(limit);
    const { read } = encoder.encodeInto(text, scratch);
    return `${text.slice(0, read)} [truncated: ${bytes} bytes, showing first ${limit} bytes]`;
  };

  return (result) => {
    const content = Array.isArray(result.content) ? (result.content as unknown[]) : undefined;
    let out: unknown[] | undefined; // copy-on-write: made only when an item changes
    let budget = limit;
    if (content) {
      for (let i = 0; i < content.length; i++) {
        const item = content[i];
        const replacement = capItem(item);
        if (replacement === item) continue;
        out ??= content.slice();
        out[i] = replacement;
      }
    }
    let dropped: Obj | undefined; // the note for a dropped structuredContent
    if (result.structuredContent !== undefined && jsonBound(result.structuredContent, limit) < 0) {
      const bytes = jsonBytes(result.structuredContent);
      if (bytes > limit) {
        dropped = note(`[structuredContent dropped: ${bytes} bytes exceeds the ${limit}-byte result limit]`);
      }
    }
    if (!out && !dropped) return result;
    const capped: ToolResult = { ...result };
    const items = out ?? content ?? [];
    capped.content = dropped ? [...items, dropped] : items;
    if (dropped) {
      delete capped.structuredContent;
      // A tool with an outputSchema must send structuredContent unless the result is an error, so
      // the result says it failed: clients (the SDK's callTool among them) accept it and the model
      // reads the note, instead of the client rejecting a result that breaks the tool's contract.
      capped.isError = true;
    }
    return capped;

    function capItem(item: unknown): unknown {
      if (!isObj(item)) return item;
      if (item.type === 'text' && typeof item.text === 'string') {
        const bytes = textBytes(item.text, limit);
        return bytes > limit ? { ...item, text: cutText(item.text, bytes) } : item;
      }
      const payload = payloadBytes(item);
      if (payload === undefined) return item; // e.g. resource_link: metadata only
      if (payload <= budget) {
        budget -= payload;
        return item;
      }
      return note(`[${describe(item)} dropped: ${payload} bytes exceeds the ${limit}-byte result limit]`);
    }
  };
}

/** UTF-8 length of `text`; when its UTF-16 length already shows it is within `limit`, that length. */
function textBytes(text: string, limit: number): number {
  // One UTF-16 unit is 1 to 3 UTF-8 bytes (a surrogate pair, two units, is 4).
  if (text.length * 3 <= limit) return text.length;
  return Buffer.byteLength(text, 'utf8');
}

/**
 * `budget` minus an upper bound of `value`'s JSON size in UTF-8 bytes, stopping once below 0. Far
 * cheaper than serialising, and it stops early, so only a value that might be over the cap is
 * serialised to measure it exactly. Bounds: a string unit is at most 6 bytes (`\u001f`), a number
 * at most 24 characters (`-2.2250738585072014e-308`).
 */
function jsonBound(value: unknown, budget: number): number {
  switch (typeof value) {
    case 'string':
      return budget - 2 - 6 * value.length;
    case 'number':
      return budget - 24;
    case 'object': {
      if (value === null) return budget - 4;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return -1; // serialises as it likes
      if (Array.isArray(value)) {
        let left = budget - 2 - value.length;
        for (let i = 0; i < value.length && left >= 0; i++) left = jsonBound(value[i], left);
        return left;
      }
      let left = budget - 2;
      for (const key in value) {
        if (left < 0) break;
        left = jsonBound((value as Obj)[key], left - 4 - 6 * key.length);
      }
      return left;
    }
    default:
      return budget - 5; // true, false, and null for what JSON cannot hold
  }
}

function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value);
  return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
}

/** Bytes of an uncuttable item's payload, or undefined when it carries none worth counting. */
function payloadBytes(item: Obj): number | undefined {
  if (typeof item.data === 'string') return item.data.length; // base64 is ASCII
  if (item.type === 'resource' && isObj(item.resource)) {
    const r = item.resource;
    if (typeof r.blob === 'string') return r.blob.length;
    if (typeof r.text === 'string') return Buffer.byteLength(r.text, 'utf8');
  }
  return undefined;
}

/** "image (image/png)", "resource file:///a.pdf (application/pdf)" */
function describe(item: Obj): string {
  const inner = item.type === 'resource' && isObj(item.resource) ? item.resource : item;
  const type = typeof item.type === 'string' ? item.type : 'content';
  const uri = typeof inner.uri === 'string' ? ` ${inner.uri}` : '';
  const mime = typeof inner.mimeType === 'string' ? ` (${inner.mimeType})` : '';
  return `${type}${uri}${mime}`;
}

function note(text: string): Obj {
  return { type: 'text', text };
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
