// Token counts of what the gateway hands a model: tool results, tool arguments and tool schemas.
// `embedded` (gateway.tokenizer's default) is OpenAI's cl100k_base BPE from gpt-tokenizer, the
// encoding the reference uses too; for Claude it reads roughly 10–15 % low, which is fine for
// comparing tools and spotting the costly ones. The BPE ranks load on first use, so a gateway
// that never counts never pays for them.
import type { Obj } from '../gateway/pipeline/types.js';

export type CountTokens = (text: string) => number;

let cl100k: CountTokens | undefined;
let loading: Promise<CountTokens> | undefined;

/** The embedded counter, loaded once. */
export function embeddedCounter(): Promise<CountTokens> {
  if (cl100k) return Promise.resolve(cl100k);
  loading ??= import('gpt-tokenizer/encoding/cl100k_base').then((m) => {
    // Special-token text (e.g. "<|endoftext|>") in a tool result is content, not a control token.
    const asText = { disallowedSpecial: new Set<string>() };
    cl100k = (text) => m.countTokens(text, asText);
    return cl100k;
  });
  return loading;
}

/** A token counter as the observers use it: `gateway.tokenizer` chooses which. */
export interface TokenCounter {
  /** Shown with the figures (`cl100k_base`, or the API's model). */
  readonly name: string;
  count(text: string): Promise<number>;
  /** The count at once when it can be had without waiting (undefined: use `count`). */
  countNow?(text: string): number | undefined;
}

export const embedded: TokenCounter = {
  name: 'cl100k_base',
  count: async (text) => (await embeddedCounter())(text),
  // Once the ranks are loaded, counting is synchronous: the per-call path needs no promises.
  countNow: (text) => cl100k?.(text),
};

/** The model Anthropic's count_tokens is asked about (the reference uses a Haiku model too). */
export const API_MODEL = 'claude-haiku-4-5';

/**
 * `tokenizer: api`: Anthropic's count_tokens endpoint (Claude's own tokenizer), 5 s per request;
 * any failure (no key, network, HTTP error) counts that text with `fallback` and reports once.
 * `ANTHROPIC_BASE_URL` points it elsewhere (a proxy; the tests' stand-in).
 */
export function anthropicCounter(opts: {
  apiKey: string | undefined;
  baseUrl?: string;
  fallback?: TokenCounter;
  onFallback?: (why: string) => void;
}): TokenCounter {
  const fallback = opts.fallback ?? embedded;
  const url = `${(opts.baseUrl ?? 'https://api.anthropic.com').replace(/\/$/, '')}/v1/messages/count_tokens`;
  let warned = false;
  const fall = (why: string, text: string) => {
    if (!warned) {
      warned = true;
      opts.onFallback?.(why);
    }
    return fallback.count(text);
  };
  return {
    name: `anthropic count_tokens (${API_MODEL})`,
    async count(text) {
      if (!opts.apiKey) return fall('no API key (gateway.tokenizer_api_key or ANTHROPIC_API_KEY)', text);
      if (text.length === 0) return 0;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-api-key': opts.apiKey,
            'anthropic-version': '2023-06-01',
          },
          body: JSON.stringify({ model: API_MODEL, messages: [{ role: 'user', content: text }] }),
          signal: AbortSignal.timeout(5000),
        });
        if (!res.ok) {
          await res.body?.cancel();
          return fall(`HTTP ${res.status} from ${url}`, text);
        }
        const body = (await res.json()) as { input_tokens?: unknown };
        if (typeof body.input_tokens !== 'number')
          return fall(`no input_tokens in the answer of ${url}`, text);
        return body.input_tokens;
      } catch (err) {
        return fall(
          `${(err as Error).name === 'TimeoutError' ? 'timeout' : (err as Error).message} (${url})`,
          text,
        );
      }
    },
  };
}

/** The text a model reads from a tool result: text parts, embedded resource text, else the JSON. */
export function resultText(result: unknown): string {
  const r = result as Obj | undefined;
  const content = Array.isArray(r?.content) ? (r.content as Obj[]) : [];
  const parts: string[] = [];
  for (const c of content) {
    if (typeof c.text === 'string') parts.push(c.text);
    else {
      const res = c.resource as Obj | undefined;
      if (typeof res?.text === 'string') parts.push(res.text);
    }
  }
  if (parts.length === 0 && r?.structuredContent !== undefined) return JSON.stringify(r.structuredContent);
  return parts.join('\n');
}

/** Bytes of a result as the client receives it (its JSON). */
export function resultBytes(result: unknown): number {
  return result === undefined ? 0 : Buffer.byteLength(JSON.stringify(result));
}
