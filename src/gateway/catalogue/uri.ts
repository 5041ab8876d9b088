// Resource URIs across many servers. URIs pass through unchanged when exactly one server lists
// them; a URI (or template) that several servers list is wrapped as `gridctl:<server>/<uri>` so it
// stays reversible. The wrapped form is always accepted on input, whatever the collisions.
export const WRAP_PREFIX = 'gridctl:';

export function wrapUri(server: string, uri: string): string {
  return `${WRAP_PREFIX}${server}/${uri}`;
}

/** `gridctl:<server>/<uri>` → { server, uri }; anything else → undefined. */
export function unwrapUri(uri: string): { server: string; uri: string } | undefined {
  if (!uri.startsWith(WRAP_PREFIX)) return undefined;
  const slash = uri.indexOf('/', WRAP_PREFIX.length);
  if (slash <= WRAP_PREFIX.length) return undefined;
  return { server: uri.slice(WRAP_PREFIX.length, slash), uri: uri.slice(slash + 1) };
}

/** The scheme of a URI (`file`, `test`, ...), lower-cased; undefined when there is none. */
export function uriScheme(uri: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri);
  return m?.[1]?.toLowerCase();
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A matcher for an RFC 6570 URI template: does a concrete URI come from this template? Level-1
 * expressions match one path segment; reserved (`{+x}`) and fragment (`{#x}`) expansions match
 * anything; path, label, query and continuation forms match their optional tails.
 */
export function templateMatcher(template: string): RegExp {
  let out = '^';
  let last = 0;
  const re = /\{([^}]*)\}/g;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    out += escapeRegex(template.slice(last, m.index));
    const op = m[1]?.[0] ?? '';
    switch (op) {
      case '+':
      case '#':
        out += '.*';
        break;
      case '/':
        out += '(?:/[^?#]*)?';
        break;
      case '.':
        out += '(?:\\.[^/?#]*)*';
        break;
      case ';':
        out += '(?:;[^/?#]*)*';
        break;
      case '?':
      case '&':
        out += '(?:[?&].*)?';
        break;
      default:
        out += '[^/?#]*';
    }
    last = m.index + m[0].length;
  }
  out += `${escapeRegex(template.slice(last))}$`;
  return new RegExp(out);
}
