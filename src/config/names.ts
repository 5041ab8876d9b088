// Stack, server and resource names become container, network and file names, and `__` separates a
// server from its tools; so names are limited to container-name characters and never contain `__`.

export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Longest names (docs/configuration.md, Names). Every container gets the DNS alias
 * `gridctl-<stack>-<name>`, one DNS label of at most 63 characters: 8 + 24 + 1 + 30. And a server's
 * tools are `<server>__<tool>`, which clients allow up to 64 characters: 30 + 2 leaves 32 for the
 * tool. File names (`<stack>.json`, `<server>.log`) stay far below the 255 bytes a file name may have.
 */
export const NAME_MAX = { stack: 24, server: 30, resource: 30 } as const;

export const NAME_MAX_WHY =
  'names are limited so that `gridctl-<stack>-<name>` is one DNS label (63 characters) and `<server>__<tool>` fits the 64 characters clients allow for a tool name';

/** Why `name` is not usable, naming the offending character and its position; undefined when fine. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  const first = name[0]!;
  if (!/[a-zA-Z0-9]/.test(first)) return `must start with a letter or digit, not ${show(first)}`;
  for (let i = 1; i < name.length; i++) {
    const ch = name[i]!;
    if (!/[a-zA-Z0-9_.-]/.test(ch)) {
      return `character ${show(ch)} at position ${i + 1} is not allowed; use letters, digits, '_', '.' or '-'`;
    }
  }
  const sep = name.indexOf('__');
  if (sep !== -1) {
    return `contains "__" at position ${sep + 1}; "__" separates server and tool names (use "_" or "-")`;
  }
  return undefined;
}

function show(ch: string): string {
  if (ch === ' ') return 'space';
  const cp = ch.codePointAt(0)!;
  return cp < 0x20 || cp === 0x7f ? `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `'${ch}'`;
}
