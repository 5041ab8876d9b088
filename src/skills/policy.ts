// The stack's `skills:` block: which active skills the gateway serves. Globs match the skill name
// the way the reference's Go path.Match does (`*`, `?`, `[a-z]`, `[^x]`, `\` escapes); deny wins
// over allow, and `default` decides for names no glob matches.
export interface SkillsPolicy {
  default: 'allow' | 'deny';
  allow: readonly string[];
  deny: readonly string[];
}

const cache = new Map<string, RegExp>();

export function globRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re) return re;
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '\\' && i + 1 < glob.length) out += literal(glob[++i] as string);
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        out += literal(ch);
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('^') || body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\]\\]/g, '\\$&')}]`;
      i = close;
    } else out += literal(ch);
  }
  re = new RegExp(`${out}$`);
  if (cache.size > 1000) cache.clear();
  cache.set(glob, re);
  return re;
}

function literal(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Whether the policy lets the gateway serve skill `name`; no policy serves every active skill. */
export function skillAllowed(policy: SkillsPolicy | undefined, name: string): boolean {
  if (!policy) return true;
  if (policy.deny.some((g) => globRegExp(g).test(name))) return false;
  if (policy.allow.some((g) => globRegExp(g).test(name))) return true;
  return policy.default === 'allow';
}
