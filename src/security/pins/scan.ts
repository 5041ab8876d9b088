// Advisory heuristics over tool definitions ("tool poisoning"): text a model reads but a user rarely
// does. Findings never block anything; they are logged when a definition is first pinned or when it
// drifts, and shown by `gridctl pins list/diff` and GET /api/pins. Each has a stable code so a stack
// can silence one (`gateway.security.schema_pinning.scan_ignore`).
//
// Text is normalised before matching (invisible characters removed, NFKC, lower case, whitespace
// collapsed) so "ig\u200Bnore previous instructions" or full-width letters do not slip through.
import type { ToolDefinition } from './canonical.js';

export type Severity = 'info' | 'warn' | 'critical';

export interface Finding {
  code: string;
  severity: Severity;
  reason: string;
  /** Where in the definition: `description`, `inputSchema.properties.path.description`, ... */
  location: string;
  /** The matched text (shortened), or the message hidden in Unicode tag characters. */
  excerpt?: string;
}

export const FINDING_CODES: Record<string, string> = {
  P001: 'hidden instructions aimed at the model',
  P002: 'reference to sensitive files or credentials',
  P003: 'exfiltration or dangerous action',
  P004: 'instruction tags or stacked emphasis',
  P005: 'invisible or hidden Unicode',
  P006: 'shadowing another server’s tool',
  P007: 'very long description',
};

const MAX_FINDINGS = 16;
/** Descriptions longer than this (characters) are flagged P007. */
export const LONG_DESCRIPTION = 2000;

const P001: RegExp[] = [
  /\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding|other|system|original)\s+(?:instructions?|prompts?|rules?|directions?|guidelines?|messages?)/,
  /\bdo\s*(?:n[o']?t|not)\s+(?:tell|inform|mention|notify|alert|reveal|show|disclose)\b[^.]{0,30}\buser\b/,
  /\bwithout\s+(?:telling|informing|notifying|asking|alerting)\s+(?:the\s+)?user\b/,
  /\b(?:keep|it\s+is|this\s+is)\s+(?:this\s+|it\s+)?(?:a\s+)?secret\b/,
  /\b(?:silently|secretly|quietly|covertly)\s+(?:run|execute|call|send|read|invoke|include|add|pass|upload|forward)\b/,
  /\bbefore\s+(?:using|calling)\s+this\s+tool\b[^.]{0,120}\b(?:read|call|pass|send|include|fetch|open)\b/,
  /\bpretend\s+(?:to\s+be|you\s+are|that)\b/,
  /\b(?:new|updated|real|actual)\s+instructions?\s*:/,
  /\byou\s+are\s+now\s+(?:a|an|in)\b/,
  /\b(?:the\s+)?user\s+(?:must|should)\s+not\s+(?:know|see|be\s+told)\b/,
];

const P002_PATHS: RegExp[] = [
  /(?:^|[\s'"`(/~=])\.env\b/,
  /\.pem\b/,
  /\bid_(?:rsa|dsa|ecdsa|ed25519)\b/,
  /(?:~|\$home|\bhome)?\/\.ssh\b/,
  /\/\.aws\b|\.aws\/credentials/,
  /\/etc\/(?:passwd|shadow|sudoers)\b/,
  /\bmcp\.json\b/,
  /\.(?:npmrc|netrc|pgpass|git-credentials)\b/,
  /\.kube\/config\b/,
  /\bkeychain\b|\bkeystore\b/,
];
const P002_WORDS =
  /\b(?:api[_ -]?keys?|auth[_ -]?tokens?|access[_ -]?tokens?|secret[_ -]?keys?|private[_ -]?keys?|credentials|passwords?|seed\s+phrase)\b/;

const P003: RegExp[] = [
  /\b(?:send|post|upload|forward|transmit|exfiltrate|leak|copy|report)\b[^.]{0,80}\bto\s+(?:https?:\/\/|ftp:\/\/|wss?:\/\/|[\w.+-]+@[\w-]+\.[\w.]+|(?:a|an|the|this|our)\s+(?:remote|external|third[- ]party)\s+(?:server|url|endpoint|host|address))/,
  /\bhttps?:\/\/\S*[?&][\w-]+=\s*(?:\{|\$\{|<)/,
  /\b(?:curl|wget)\b[^|\n]{0,200}\|\s*(?:sh|bash|zsh)\b/,
  /\breverse\s+shell\b/,
  /\brm\s+-rf\s+(?:\/|~)/,
  /\bdrop\s+(?:database|table)\b/,
];

const P004_TAGS =
  /<\s*\/?\s*(?:important|system|instructions?|secret|hidden|admin|critical|assistant)\s*>|\[\s*\/?\s*(?:inst|system)\s*\]/;
const EMPHASIS = ['important', 'crucial', 'critical', 'vital', 'urgent', 'mandatory', 'must always'];

/** The kind of an invisible character, or undefined for a visible one. */
function hiddenKind(cp: number): string | undefined {
  if ((cp >= 0x200b && cp <= 0x200d) || cp === 0x2060 || cp === 0xfeff || cp === 0x180e) return 'zero-width';
  if (
    cp === 0x200e ||
    cp === 0x200f ||
    cp === 0x061c ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069)
  )
    return 'bidi control';
  if (cp >= 0xe0000 && cp <= 0xe007f) return 'tag characters';
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return 'variation selectors';
  if (cp === 0x00ad) return 'soft hyphen';
  if (cp >= 0x2061 && cp <= 0x2064) return 'invisible operators';
  if ((cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) || (cp >= 0x7f && cp <= 0x9f))
    return 'control characters';
  return undefined;
}

function hiddenKinds(text: string): string[] {
  const kinds = new Set<string>();
  for (const ch of text) {
    const k = hiddenKind(ch.codePointAt(0)!);
    if (k) kinds.add(k);
  }
  return [...kinds];
}

export function normalise(text: string): string {
  let visible = '';
  for (const ch of text) if (!hiddenKind(ch.codePointAt(0)!)) visible += ch;
  return visible.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** ASCII hidden in Unicode tag characters (U+E0020..U+E007E), e.g. an instruction no one can see. */
export function decodeTags(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xe0020 && cp <= 0xe007e) out += String.fromCharCode(cp - 0xe0000);
  }
  return out;
}

interface TextSpot {
  location: string;
  text: string;
  /** Property names are scanned for hidden characters and paths only, not for credential words. */
  key: boolean;
}

/** Every string of a definition, with its location: name, description, schema keys and values. */
function spots(def: ToolDefinition): TextSpot[] {
  const out: TextSpot[] = [{ location: 'name', text: def.name, key: true }];
  if (typeof def.description === 'string')
    out.push({ location: 'description', text: def.description, key: false });
  const walk = (v: unknown, path: string, depth: number) => {
    if (depth > 32 || out.length > 2000) return;
    if (typeof v === 'string') out.push({ location: path, text: v, key: false });
    else if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`, depth + 1);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push({ location: `${path}.${k}`, text: k, key: true });
        walk(x, `${path}.${k}`, depth + 1);
      }
    }
  };
  for (const f of ['inputSchema', 'outputSchema', 'annotations', 'frontMatter', 'body'] as const)
    walk(def[f], f, 0);
  return out;
}

function excerpt(m: RegExpExecArray | null): string | undefined {
  if (!m) return undefined;
  const s = m[0].trim();
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

export interface ScanOptions {
  /** Codes to skip (upper case). */
  ignore?: ReadonlySet<string>;
  /** Tool names of the other servers of the stack (for P006), server name → names. */
  others?: ReadonlyMap<string, readonly string[]>;
}

/** Names too generic to count as shadowing unless the other server is named too. */
const GENERIC = new Set([
  'search',
  'fetch',
  'list',
  'read',
  'write',
  'query',
  'create',
  'delete',
  'update',
  'get',
]);

export function scanTool(def: ToolDefinition, opts: ScanOptions = {}): Finding[] {
  const ignore = opts.ignore ?? new Set<string>();
  const found: Finding[] = [];
  const add = (f: Finding) => {
    if (ignore.has(f.code) || found.length >= MAX_FINDINGS) return;
    if (found.some((x) => x.code === f.code && x.location === f.location)) return;
    found.push(f);
  };
  for (const spot of spots(def)) {
    const text = normalise(spot.text);
    // P005 first: it looks at the raw text.
    const kinds = hiddenKinds(spot.text);
    if (kinds.length > 0) {
      const decoded = decodeTags(spot.text);
      add({
        code: 'P005',
        severity: kinds.length >= 3 || decoded.length > 0 ? 'critical' : 'warn',
        reason: `invisible Unicode (${kinds.join(', ')})${decoded ? ' hiding a message' : ''}`,
        location: spot.location,
        ...(decoded ? { excerpt: decoded.slice(0, 200) } : {}),
      });
    }
    if (!spot.key) {
      for (const re of P001) {
        const m = re.exec(text);
        if (m) {
          add({
            code: 'P001',
            severity: 'warn',
            reason: 'hidden instructions aimed at the model',
            location: spot.location,
            excerpt: excerpt(m),
          });
          break;
        }
      }
      for (const re of P003) {
        const m = re.exec(text);
        if (m) {
          add({
            code: 'P003',
            severity: 'warn',
            reason: 'exfiltration hint or dangerous action',
            location: spot.location,
            excerpt: excerpt(m),
          });
          break;
        }
      }
      const tag = P004_TAGS.exec(text);
      if (tag) {
        add({
          code: 'P004',
          severity: 'warn',
          reason: 'instruction-style tag a user interface would not show',
          location: spot.location,
          excerpt: excerpt(tag),
        });
      } else {
        const words = EMPHASIS.filter((w) => new RegExp(`\\b${w}\\b`).test(text));
        if (words.length >= 2)
          add({
            code: 'P004',
            severity: 'info',
            reason: `stacked emphasis (${words.join(', ')})`,
            location: spot.location,
          });
      }
      const cred = P002_WORDS.exec(text);
      if (cred && spot.location === 'description')
        add({
          code: 'P002',
          severity: 'warn',
          reason: 'mentions credentials',
          location: spot.location,
          excerpt: excerpt(cred),
        });
    }
    for (const re of P002_PATHS) {
      const m = re.exec(text);
      if (m) {
        add({
          code: 'P002',
          severity: 'warn',
          reason: 'reference to a sensitive file',
          location: spot.location,
          excerpt: excerpt(m),
        });
        break;
      }
    }
  }
  if (typeof def.description === 'string') {
    if (def.description.length > LONG_DESCRIPTION) {
      add({
        code: 'P007',
        severity: 'info',
        reason: `description is ${def.description.length} characters (over ${LONG_DESCRIPTION}); room for hidden instructions`,
        location: 'description',
      });
    }
    if (opts.others) {
      const text = normalise(def.description);
      for (const [server, names] of opts.others) {
        const serverNamed = new RegExp(`\\b${escapeRe(server.toLowerCase())}\\b`).test(text);
        for (const n of names) {
          const name = n.toLowerCase();
          if (name.length < 5 && !serverNamed) continue;
          if (GENERIC.has(name) && !serverNamed) continue;
          if (!new RegExp(`(?<![\\w-])${escapeRe(name)}(?![\\w-])`).test(text)) continue;
          add({
            code: 'P006',
            severity: 'warn',
            reason: `description names tool "${n}" of server "${server}"`,
            location: 'description',
          });
          break;
        }
      }
    }
  }
  return found;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
