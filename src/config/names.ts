// Stack, server and resource names become container, network and file names, and `__` separates a
// server from its tools; so names are limited to container-name characters and never contain `__`.

export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

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
