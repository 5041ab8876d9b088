// The pins file: `<GRIDCTL_HOME>/pins/<stack>.json`, mode 0600 in a 0700 folder. Written atomically
// (temp file, fsync, rename) under `<stack>.lock`, so a reader never sees half a file and the daemon
// and an offline `gridctl pins` command never interleave. A file with a newer format version is
// refused, never overwritten.
//
// In memory tools are kept in Maps (a tool may be called "__proto__"); on disk they are objects.
import { readdirSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PinErrorCode } from '../../errors/pins.js';
import { acquireLock } from '../../state/lock.js';
import { fileNameFor } from '../../state/paths.js';
import type { PinnedField, ToolDefinition } from './canonical.js';
import type { Finding } from './scan.js';

export const PINS_FORMAT = 'gridctl-pins';
export const PINS_VERSION = 1;

export class PinError extends Error {
  constructor(
    readonly code: PinErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface PinnedTool {
  hash: string;
  pinned_at: string;
  definition: ToolDefinition;
  findings?: Finding[];
}

export type DriftChange = 'changed' | 'added' | 'removed';

export interface DriftEntry {
  tool: string;
  change: DriftChange;
  /** The pinned fields that differ (all present fields for added/removed tools). */
  fields: PinnedField[];
  /** The changed fields as pinned / as served now. */
  before?: Partial<ToolDefinition>;
  after?: Partial<ToolDefinition>;
  hash_before?: string;
  hash_after?: string;
  /** The full definition as served now (added/changed), so an offline approve can pin it. */
  definition?: ToolDefinition;
  findings?: Finding[];
  detected_at: string;
}

export interface ServerRecord {
  /** Hash of what the server is (command, image, url...): a different server is pinned afresh. */
  identity?: string;
  pinned_at: string;
  tools: Map<string, PinnedTool>;
  drift: DriftEntry[];
}

export interface PinData {
  stack: string;
  servers: Map<string, ServerRecord>;
}

interface FileShape {
  format: string;
  version: number;
  stack: string;
  updated_at: string;
  servers: Record<
    string,
    {
      identity?: string;
      pinned_at: string;
      tools: Record<string, PinnedTool>;
      drift?: DriftEntry[];
    }
  >;
}

export function pinsDir(root: string): string {
  return join(root, 'pins');
}

export function pinsFile(root: string, stack: string): string {
  // Through the one check of names that become files (no `..`, no `/`, not over 255 bytes).
  return join(pinsDir(root), fileNameFor('stack', stack, '.json'));
}

/** Stacks that have a pins file. */
export function pinnedStacks(root: string): string[] {
  try {
    return readdirSync(pinsDir(root))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
  } catch {
    return [];
  }
}

/** Reads a pins file; a missing file is an empty set of pins. */
export async function readPins(file: string, stack: string): Promise<PinData> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { stack, servers: new Map() };
    throw new PinError('file', `cannot read ${file}: ${(err as Error).message}`);
  }
  let raw: FileShape;
  try {
    raw = JSON.parse(text) as FileShape;
  } catch (err) {
    throw new PinError(
      'file',
      `${file} is not valid JSON (${(err as Error).message}); move it away to pin every server afresh`,
    );
  }
  if (!raw || typeof raw !== 'object' || raw.format !== PINS_FORMAT || typeof raw.version !== 'number') {
    throw new PinError('file', `${file} is not a gridctl pins file`);
  }
  if (raw.version > PINS_VERSION) {
    throw new PinError(
      'file',
      `${file} has format version ${raw.version}, newer than this gridctl understands (${PINS_VERSION}); upgrade gridctl`,
    );
  }
  const servers = new Map<string, ServerRecord>();
  for (const [name, s] of Object.entries(raw.servers ?? {})) {
    if (!s || typeof s !== 'object') continue;
    servers.set(name, {
      ...(typeof s.identity === 'string' ? { identity: s.identity } : {}),
      pinned_at: String(s.pinned_at ?? ''),
      tools: new Map(Object.entries(s.tools ?? {})),
      drift: Array.isArray(s.drift) ? s.drift : [],
    });
  }
  return { stack: typeof raw.stack === 'string' ? raw.stack : stack, servers };
}

export function serialise(data: PinData): string {
  const out: FileShape = {
    format: PINS_FORMAT,
    version: PINS_VERSION,
    stack: data.stack,
    updated_at: new Date().toISOString(),
    servers: Object.fromEntries(
      [...data.servers].map(([name, s]) => [
        name,
        {
          ...(s.identity ? { identity: s.identity } : {}),
          pinned_at: s.pinned_at,
          tools: Object.fromEntries(s.tools),
          ...(s.drift.length > 0 ? { drift: s.drift } : {}),
        },
      ]),
    ),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

function lockFile(file: string): string {
  return `${file.replace(/\.json$/, '')}.lock`;
}

async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  const lock = await acquireLock(lockFile(file));
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

async function writeAtomic(file: string, data: PinData): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(serialise(data));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Atomic write under the file's lock. */
export function writePins(file: string, data: PinData): Promise<void> {
  return withLock(file, () => writeAtomic(file, data));
}

/**
 * Read, change, write, all under the lock: for the CLI working on the file while no daemon runs.
 * `change` returns false to leave the file untouched.
 */
export function updatePins(
  file: string,
  stack: string,
  change: (data: PinData) => boolean,
): Promise<PinData> {
  return withLock(file, async () => {
    const data = await readPins(file, stack);
    if (change(data)) await writeAtomic(file, data);
    return data;
  });
}
