// Load an OpenAPI document (file or URL; JSON or YAML; Swagger 2.0, OpenAPI 3.0 or 3.1) and resolve
// every $ref with a maintained parser. Validation problems are reported, not fatal: real-world specs
// are often slightly off, and a tool list from a mostly-valid spec beats no tools at all.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { coded } from '../../errors/coded.js';
import { MAX_SPEC_BYTES } from './config.js';
import { type Fetch, tlsHint } from './tls.js';

export interface LoadedSpec {
  /** The dereferenced document (may contain circular object references). */
  doc: Record<string, unknown>;
  /**
   * The document as written. Server URLs are read from here: the parser rewrites relative
   * servers[].url of a spec loaded from a URL and drops the port while doing so.
   */
  raw: Record<string, unknown>;
  /** Where it came from: a file path or URL, for messages and relative server URLs. */
  location: string;
  /** Set when the spec was fetched over HTTP: relative server URLs resolve against it. */
  url?: URL;
  /** Validation findings that did not stop loading. */
  warnings: string[];
}

export function isUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

export async function loadSpec(
  spec: string,
  stackDir: string,
  timeoutMs = 30_000,
  fetchFn: Fetch = fetch,
  /** Environment for `${NAME}` expansion in a spec file; undefined: none (`apply --no-expand`). */
  expandEnv?: NodeJS.ProcessEnv,
): Promise<LoadedSpec> {
  const warnings: string[] = [];
  let text: string;
  let base: string;
  let url: URL | undefined;
  if (isUrl(spec)) {
    url = new URL(spec);
    text = await fetchSpec(url, timeoutMs, fetchFn);
    base = url.href;
  } else {
    const file = isAbsolute(spec) ? spec : resolve(stackDir, spec);
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw coded(
        'OPENAPI_SPEC_INVALID',
        `cannot read OpenAPI spec ${file}${code === 'ENOENT' ? ': no such file' : `: ${code}`}`,
      );
    }
    base = pathToFileURL(file).href;
    spec = file;
    if (expandEnv) text = expandSpecText(text, expandEnv, warnings);
  }

  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 1000 }); // JSON is YAML too
  } catch (err) {
    throw coded(
      'OPENAPI_SPEC_INVALID',
      `OpenAPI spec ${spec} is neither JSON nor YAML: ${(err as Error).message}`,
    );
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw coded('OPENAPI_SPEC_INVALID', `OpenAPI spec ${spec} is not an object`);
  }
  const version = (raw as Record<string, unknown>).openapi ?? (raw as Record<string, unknown>).swagger;
  if (typeof version !== 'string' || !/^(2\.0|3\.[01]\.\d+)/.test(version)) {
    throw coded(
      'OPENAPI_SPEC_INVALID',
      `OpenAPI spec ${spec}: unsupported or missing version (need "swagger: 2.0" or "openapi: 3.0.x/3.1.x")`,
    );
  }

  // The parser refuses $refs to loopback and private addresses (SSRF defence). Keep that for specs
  // from public URLs; a file, or a URL that is itself internal, was chosen by the operator.
  const allowInternalRefs = url === undefined || isInternalHost(url.hostname);
  const options = parserOptions(timeoutMs, allowInternalRefs);
  let doc: unknown;
  // Loaded here, not at the top: only stacks with OpenAPI servers pay for it.
  const { default: SwaggerParser } = await import('@apidevtools/swagger-parser');
  try {
    doc = await new SwaggerParser().validate(base, structuredClone(raw) as never, options);
  } catch (err) {
    warnings.push(`spec does not validate: ${firstLine(err)}`);
    try {
      doc = await new SwaggerParser().dereference(base, structuredClone(raw) as never, options);
    } catch (err2) {
      throw coded(
        'OPENAPI_SPEC_INVALID',
        `OpenAPI spec ${spec}: cannot resolve references: ${firstLine(err2)}`,
      );
    }
  }
  return {
    doc: doc as Record<string, unknown>,
    raw: raw as Record<string, unknown>,
    location: spec,
    url,
    warnings,
  };
}

const BRACED_ENV = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}/g;

/**
 * `${NAME}`, `${NAME:-default}` and `${NAME:+alternate}` from the environment, in a spec file's text
 * (as the reference does; URLs are fetched as served). Only the braced forms: `$NAME` is common in
 * API descriptions. An unset `${NAME}` stays as written and is reported, rather than emptied.
 */
export function expandSpecText(text: string, env: NodeJS.ProcessEnv, warnings: string[]): string {
  const unset = new Set<string>();
  const out = text.replace(BRACED_ENV, (whole, name: string, op?: string, operand = '') => {
    const value = env[name];
    const present = value !== undefined && value !== '';
    if (op === '-') return present ? value : operand;
    if (op === '+') return present ? operand : '';
    if (value !== undefined) return value;
    unset.add(name);
    return whole;
  });
  if (unset.size > 0) {
    warnings.push(
      `\${${[...unset].join('}, ${')}} not set in the environment, left as written (apply --no-expand turns expansion off)`,
    );
  }
  return out;
}

/** Loopback, private, link-local and single-label or .local/.internal names. */
export function isInternalHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h.endsWith('.internal'))
    return true;
  if (!h.includes('.') && !h.includes(':')) return true;
  if (h === '::1' || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80:')) return true;
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(h);
  if (!v4) return false;
  const a = Number(v4[1]);
  const b = Number(v4[2]);
  return (
    a === 127 ||
    a === 10 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254)
  );
}

function parserOptions(timeoutMs: number, allowInternalRefs: boolean) {
  return {
    resolve: { http: { timeout: timeoutMs, redirects: 5, safeUrlResolver: !allowInternalRefs } },
    // Keep circular schemas as object cycles; the schema converter cuts them.
    dereference: { circular: true as const },
  };
}

async function fetchSpec(url: URL, timeoutMs: number, fetchFn: Fetch): Promise<string> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      headers: { accept: 'application/json, application/yaml, text/yaml, application/x-yaml, */*;q=0.5' },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'follow',
    });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    const hint = tlsHint(err);
    throw coded(
      'OPENAPI_SPEC_UNREACHABLE',
      `cannot fetch OpenAPI spec ${url.href}: ${firstLine(cause ?? err)}${hint ? ` (${hint})` : ''}`,
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw coded('OPENAPI_SPEC_UNREACHABLE', `cannot fetch OpenAPI spec ${url.href}: HTTP ${res.status}`);
  }
  const type = res.headers.get('content-type') ?? '';
  if (/text\/html/i.test(type)) {
    await res.body?.cancel();
    throw coded(
      'OPENAPI_SPEC_UNREACHABLE',
      `OpenAPI spec ${url.href} answered with an HTML page, not a spec`,
    );
  }
  const { text, truncated } = await readCapped(res, MAX_SPEC_BYTES);
  if (truncated)
    throw coded(
      'OPENAPI_SPEC_UNREACHABLE',
      `OpenAPI spec ${url.href} is larger than ${MAX_SPEC_BYTES} bytes`,
    );
  return text;
}

/** Read a response body up to `cap` bytes, cancelling the rest. */
export async function readCapped(
  res: Response,
  cap: number,
): Promise<{ bytes: Buffer; text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = cap - size;
      if (value.byteLength > room) {
        chunks.push(Buffer.from(value.buffer, value.byteOffset, room));
        size += room;
        truncated = true;
        await reader.cancel();
        break;
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      size += value.byteLength;
    }
  }
  const bytes = Buffer.concat(chunks, size);
  return { bytes, text: bytes.toString('utf8'), truncated };
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}
