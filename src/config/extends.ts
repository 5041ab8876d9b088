// `extends` composition: a child stack names a parent file (relative to the child); the child wins.
// - mcp-servers, resources: child entries kept; parent entries with names the child lacks appended.
// - gateway, logging, secrets: taken from the parent only when the child omits the whole block.
// - network/networks: from the parent only when the child has neither.
// - never inherited: clients, groups, limits, skills, link, telemetry, experimental, model_preferences.
// Every merged value remembers the file it came from (Origin), for positions and relative paths.
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Issue } from './issues.js';
import type { Path } from './path.js';
import { locate, type ParsedFile, parseYaml } from './source.js';

export const MAX_EXTENDS_DEPTH = 10;
/** Stack files are hand-written; anything bigger is a mistake (a log, a disk image, /dev/urandom). */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;

/**
 * The text of a stack file, or why it cannot be one. Only regular files are read: a FIFO would block
 * the read (and the open: hence O_NONBLOCK) forever, a device never ends. The size is checked on the
 * open descriptor and the read stops one byte past the cap, so a file that grows is caught too.
 */
export async function readStackFile(file: string): Promise<string | { message: string; hint?: string }> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason =
      e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    return { message: `cannot read ${file}: ${reason}` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      return {
        message: `cannot read ${file}: it is ${kindOf(st)}, not a regular file`,
        hint: 'a stack file (and an `extends` parent) must be a regular YAML file',
      };
    }
    const tooBig = {
      message: `cannot read ${file}: it is larger than the ${MAX_STACK_FILE_BYTES / 1024 / 1024} MiB a stack file may have`,
      hint: 'check that the path names the stack file you meant',
    };
    if (st.size > MAX_STACK_FILE_BYTES) return tooBig;
    const chunks: Buffer[] = [];
    let len = 0;
    for (;;) {
      const { bytesRead, buffer } = await fh.read({ buffer: Buffer.alloc(64 * 1024) });
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      len += bytesRead;
      if (len > MAX_STACK_FILE_BYTES) return tooBig;
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    return { message: `cannot read ${file}: ${(err as Error).message}` };
  } finally {
    await fh.close();
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

export interface Origin {
  prefix: Path;
  file: ParsedFile;
  srcPrefix: Path;
}

export interface Composed {
  data: unknown;
  origins: Origin[];
  files: ParsedFile[];
}

/** Where a merged path came from: the file and the path inside that file. */
export function resolveOrigin(
  origins: readonly Origin[],
  p: Path,
): { file: ParsedFile; path: Path } | undefined {
  let best: Origin | undefined;
  for (const o of origins) {
    if (o.prefix.length <= p.length && o.prefix.every((seg, i) => seg === p[i])) {
      if (!best || o.prefix.length > best.prefix.length) best = o;
    }
  }
  return best && { file: best.file, path: [...best.srcPrefix, ...p.slice(best.prefix.length)] };
}

function issueAt(file: ParsedFile, p: Path, code: Issue['code'], message: string, hint?: string): Issue {
  const pos = locate(file, p);
  return {
    severity: 'error',
    code,
    field: p.join('.') || 'stack',
    message,
    ...(hint ? { hint } : {}),
    file: file.file,
    ...(pos ? { line: pos.line, column: pos.column } : {}),
  };
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Read, parse and compose `file` with its ancestors. Issues carry their own file positions. */
export async function compose(
  file: string,
  issues: Issue[],
  chain: string[] = [],
): Promise<Composed | undefined> {
  const read = await readStackFile(file);
  if (typeof read !== 'string') {
    issues.push({ severity: 'error', code: 'FILE_UNREADABLE', field: 'stack', ...read, file });
    return undefined;
  }
  const text = read;
  const { parsed, issues: yamlIssues } = parseYaml(file, text);
  issues.push(...yamlIssues);
  const self: Composed = {
    data: parsed.data,
    origins: [{ prefix: [], file: parsed, srcPrefix: [] }],
    files: [parsed],
  };
  if (yamlIssues.length > 0 || !isObj(parsed.data)) return self;
  const parentRef = parsed.data.extends;
  if (typeof parentRef !== 'string' || parentRef === '') return self;

  const parentFile = path.resolve(path.dirname(file), parentRef);
  const here = [...chain, file];
  if (here.includes(parentFile)) {
    const cycle = [...here.slice(here.indexOf(parentFile)), parentFile]
      .map((f) => path.basename(f))
      .join(' → ');
    issues.push(
      issueAt(
        parsed,
        ['extends'],
        'EXTENDS_CYCLE',
        `circular extends: ${cycle}`,
        'remove `extends` from one of these files',
      ),
    );
    return self;
  }
  if (here.length > MAX_EXTENDS_DEPTH) {
    const names = [...here, parentFile].map((f) => path.basename(f)).join(' → ');
    issues.push(
      issueAt(
        parsed,
        ['extends'],
        'EXTENDS_DEPTH',
        `extends chain is deeper than ${MAX_EXTENDS_DEPTH}: ${names}`,
      ),
    );
    return self;
  }
  const before = issues.length;
  const parent = await compose(parentFile, issues, here);
  // Point at the child's `extends` line when the parent itself could not be read.
  for (let i = before; i < issues.length; i++) {
    const it = issues[i]!;
    if (it.code === 'FILE_UNREADABLE' && it.file === parentFile)
      issues[i] = issueAt(parsed, ['extends'], 'FILE_UNREADABLE', it.message, it.hint);
  }
  if (!parent) return self;
  const parentData = parent.files[0]!.data;
  if (!isObj(parentData)) {
    // Only a real parse result is judged: YAML errors in the parent are already reported.
    if (issues.length === before)
      issues.push(
        issueAt(
          parsed,
          ['extends'],
          'NOT_A_MAPPING',
          `${parentRef} is not a stack file: it holds ${parentData === undefined || parentData === null ? 'nothing' : Array.isArray(parentData) ? 'a list' : `a ${typeof parentData}`}, not a mapping of keys to values`,
          'point `extends` at a stack file (a mapping with `name`, `mcp-servers`, ...)',
        ),
      );
    return self;
  }
  return merge(self, parent);
}

function merge(child: Composed, parent: Composed): Composed {
  const c = child.data as Record<string, unknown>;
  const out: Record<string, unknown> = { ...c };
  const origins: Origin[] = [...child.origins];
  const p = isObj(parent.data) ? parent.data : {};
  const inherit = (key: string) => {
    out[key] = p[key];
    const o = resolveOrigin(parent.origins, [key]);
    if (o) origins.push({ prefix: [key], file: o.file, srcPrefix: o.path });
  };
  for (const key of ['gateway', 'logging', 'secrets']) if (!(key in c) && key in p) inherit(key);
  if (!('network' in c) && !('networks' in c)) {
    for (const key of ['network', 'networks']) if (key in p) inherit(key);
  }
  for (const key of ['mcp-servers', 'resources']) {
    const mine = c[key];
    const theirs = p[key];
    if (!Array.isArray(theirs) || (mine !== undefined && !Array.isArray(mine))) continue;
    const list = Array.isArray(mine) ? [...mine] : [];
    const names = new Set(list.map((e) => (isObj(e) ? e.name : undefined)));
    theirs.forEach((entry, j) => {
      if (isObj(entry) && names.has(entry.name)) return;
      const o = resolveOrigin(parent.origins, [key, j]);
      if (o) origins.push({ prefix: [key, list.length], file: o.file, srcPrefix: o.path });
      list.push(entry);
    });
    out[key] = list;
  }
  return { data: out, origins, files: [...child.files, ...parent.files] };
}
