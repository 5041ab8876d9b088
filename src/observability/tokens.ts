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
