// The one JSON body reader of /api (pins, stack edit and the router share it). The gateway's /mcp
// reader (src/gateway/downstream/http.ts) keeps its own for now: it answers in JSON-RPC, not ApiError.
import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';

/** The body parsed as JSON (empty = `{}`); over `max` bytes (default 1 MiB) is refused with `tooLarge`. */
export async function readJson(
  req: IncomingMessage,
  max = 1024 * 1024,
  tooLarge = `request body over ${max} bytes`,
): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new ApiError('bad_request', tooLarge);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new ApiError('bad_request', 'request body is not valid JSON');
  }
}

/** Like readJson, and the value must be a JSON object. */
export async function readJsonObject(
  req: IncomingMessage,
  max: number,
  tooLarge?: string,
): Promise<Record<string, unknown>> {
  const parsed = await readJson(req, max, tooLarge);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ApiError('bad_request', 'request body must be a JSON object');
  return parsed as Record<string, unknown>;
}
