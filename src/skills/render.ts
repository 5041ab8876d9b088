// How a served skill looks to MCP clients: a prompt with one optional `context` argument and a
// markdown resource at skills://registry/<name> (prompt://<name> is the reference's older spelling
// and is still read).
import type { ServedSkill } from './registry.js';

export const SKILL_URI_PREFIX = 'skills://registry/';
export const LEGACY_URI_PREFIX = 'prompt://';
export const SKILL_MIME = 'text/markdown';

const CONTEXT = {
  name: 'context',
  description: 'Additional context for the skill: the task at hand, files, constraints',
  required: false,
};

export function skillPromptEntry(s: ServedSkill): Record<string, unknown> {
  return { name: s.name, description: s.description, arguments: [CONTEXT] };
}

export function skillResourceEntry(s: ServedSkill): Record<string, unknown> {
  return {
    uri: `${SKILL_URI_PREFIX}${s.name}`,
    name: s.name,
    description: s.description,
    mimeType: SKILL_MIME,
  };
}

/**
 * The body with `{{arg}}` placeholders filled from the prompt's arguments. `{{context}}` without a
 * value becomes empty; other unknown placeholders stay as written (they may be the skill's own
 * notation). A context given to a body without the placeholder is appended, so it is never lost.
 */
export function renderSkill(body: string, args: Readonly<Record<string, string>>): string {
  let usedContext = false;
  const text = body.replace(/\{\{\s*([A-Za-z0-9_-]+)\s*\}\}/g, (m, key: string) => {
    if (key === 'context') usedContext = true;
    if (Object.hasOwn(args, key)) return args[key] as string;
    return key === 'context' ? '' : m;
  });
  const context = args.context;
  if (!usedContext && context !== undefined && context !== '')
    return `${text.replace(/\n*$/, '')}\n\n## Context\n\n${context}\n`;
  return text;
}

export function skillPromptResult(
  s: ServedSkill,
  args: Readonly<Record<string, string>>,
): Record<string, unknown> {
  return {
    description: s.description,
    messages: [{ role: 'user', content: { type: 'text', text: renderSkill(s.body, args) } }],
  };
}

// ---- the MCP skills extension (SEP-2640)

export const EXTENSION_ID = 'io.modelcontextprotocol/skills';
export const EXTENSION_SCHEME = 'skill://';

/** skill://<name>/SKILL.md */
export function extensionUri(name: string, path = 'SKILL.md'): string {
  return `${EXTENSION_SCHEME}${name}/${path}`;
}

/** skill://<name>/<path> → its parts (the path `/`-separated, no `..` or empty segments). */
export function parseExtensionUri(uri: string): { name: string; path: string } | undefined {
  if (!uri.startsWith(EXTENSION_SCHEME)) return undefined;
  const [name, ...rest] = uri.slice(EXTENSION_SCHEME.length).split('/');
  if (!name || rest.length === 0 || rest.some((p) => p === '' || p === '.' || p === '..')) return undefined;
  return { name, path: rest.join('/') };
}

type ManifestSkill = ServedSkill & {
  manifest?: {
    frontmatter: Record<string, unknown>;
    files: readonly { path: string; digest: string; size: number }[];
  };
};

/** A skills/list entry: the SKILL.md URI, its front matter as written, and every file. */
export function extensionEntry(s: ManifestSkill): Record<string, unknown> {
  return {
    uri: extensionUri(s.name),
    // The folder name is the skill's name here, as in the prompts; the extension keys on it.
    frontmatter: s.manifest?.frontmatter ?? { name: s.name, description: s.description },
    resources: (s.manifest?.files ?? []).map((f) => ({
      uri: extensionUri(s.name, f.path),
      digest: f.digest,
      size: f.size,
    })),
  };
}

export function manifestResourceEntry(s: ServedSkill): Record<string, unknown> {
  return { uri: extensionUri(s.name), name: s.name, description: s.description, mimeType: SKILL_MIME };
}
