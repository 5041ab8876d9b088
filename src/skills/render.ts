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
