// Trust on first use for tool definitions. The gateway hands over each server's tools every time it
// lists them (registration, restart, list_changed); the first time they are pinned, every later time
// they are compared. A changed, added or removed tool is drift: logged (action: warn), or the drifted
// tools are withheld from clients until approved (action: block). Approval re-pins what the server
// serves now and takes effect at once.
//
// Hashing happens once per listing. The gateway asks `withheld(server)` when it rebuilds its catalog
// and keeps the answer in a map, so a tools/call never hashes anything.
import type { Logger } from '../../logging/logger.js';
import {
  changedFields,
  hashDefinition,
  PINNED_FIELDS,
  type PinnedField,
  pick,
  serverHash,
  type ToolDefinition,
  toolDefinition,
} from './canonical.js';
import { type Finding, scanTool } from './scan.js';
import {
  type DriftEntry,
  type PinData,
  PinError,
  type PinnedTool,
  readPins,
  type ServerRecord,
  writePins,
} from './store.js';

export interface PinSettings {
  enabled: boolean;
  action: 'warn' | 'block';
  scan: boolean;
  scanIgnore: readonly string[];
}

export const DEFAULT_SETTINGS: PinSettings = { enabled: true, action: 'warn', scan: true, scanIgnore: [] };

/** What the gateway knows about a server besides its tools. */
export interface ObserveSpec {
  /** `pin_schemas` of the server (default true). */
  enabled: boolean;
  /** Hash of the server's command / image / url: a different one is pinned afresh. */
  identity?: string;
}

export type PinStatus = 'pinned' | 'drift' | 'blocked' | 'disabled' | 'unpinned';

export interface ToolPinReport {
  name: string;
  hash: string;
  pinned_at: string;
  findings: Finding[];
}

export interface ServerPinReport {
  server: string;
  status: PinStatus;
  /** `pinned`, `drift (2 tools)`, `blocked (1 tool)`, `disabled`, `unpinned`. */
  state: string;
  /** Whether this gateway has listed the server's tools since it started. */
  live: boolean;
  pinned_at?: string;
  /** Hash over the pinned tools. */
  server_hash?: string;
  /** Hash over the tools as served now; `pins approve --expect` binds approval to it. */
  live_hash?: string;
  tool_count: number;
  tools: ToolPinReport[];
  drift: Omit<DriftEntry, 'definition'>[];
  /** Tools withheld from clients (block mode). */
  withheld: string[];
}

export interface PinsReport {
  stack: string;
  file: string;
  enabled: boolean;
  /** Unknown when read from the file with no gateway running. */
  action?: 'warn' | 'block';
  /** False when read from the file with no gateway running (no live comparison). */
  running: boolean;
  servers: ServerPinReport[];
}

export interface ApproveResult {
  server: string;
  /** Tools whose new definitions were accepted (changed or added) or dropped (removed). */
  approved: string[];
  tool_count: number;
  server_hash: string;
}

interface LiveTool {
  def: ToolDefinition;
  hash: string;
}

interface LiveServer {
  enabled: boolean;
  tools: Map<string, LiveTool>;
}

const NONE: ReadonlySet<string> = new Set();

export function pinLabel(status: PinStatus, n: number): string {
  if (status === 'drift' || status === 'blocked') return `${status} (${n} ${n === 1 ? 'tool' : 'tools'})`;
  return status;
}

/** Compare a server's pins with the tools it serves now. */
export function compare(
  rec: ServerRecord,
  live: ReadonlyMap<string, LiveTool>,
  now: string,
  previous: readonly DriftEntry[] = [],
): DriftEntry[] {
  const seenBefore = (tool: string, change: string, hash: string | undefined) =>
    previous.find((d) => d.tool === tool && d.change === change && d.hash_after === hash)?.detected_at;
  const out: DriftEntry[] = [];
  for (const [name, t] of live) {
    const pinned = rec.tools.get(name);
    if (!pinned) {
      const fields = PINNED_FIELDS.filter((f) => t.def[f] !== undefined);
      out.push({
        tool: name,
        change: 'added',
        fields,
        after: pick(t.def, fields),
        hash_after: t.hash,
        definition: t.def,
        detected_at: seenBefore(name, 'added', t.hash) ?? now,
      });
    } else if (pinned.hash !== t.hash) {
      const fields = changedFields(pinned.definition, t.def);
      out.push({
        tool: name,
        change: 'changed',
        fields,
        before: pick(pinned.definition, fields),
        after: pick(t.def, fields),
        hash_before: pinned.hash,
        hash_after: t.hash,
        definition: t.def,
        detected_at: seenBefore(name, 'changed', t.hash) ?? now,
      });
    }
  }
  for (const [name, pinned] of rec.tools) {
    if (live.has(name)) continue;
    const fields = PINNED_FIELDS.filter((f) => pinned.definition[f] !== undefined);
    out.push({
      tool: name,
      change: 'removed',
      fields,
      before: pick(pinned.definition, fields),
      hash_before: pinned.hash,
      detected_at: seenBefore(name, 'removed', undefined) ?? now,
    });
  }
  return out;
}

function sameDrift(a: readonly DriftEntry[], b: readonly DriftEntry[]): boolean {
  const key = (d: DriftEntry) => `${d.tool}\0${d.change}\0${d.hash_after ?? ''}\0${d.hash_before ?? ''}`;
  if (a.length !== b.length) return false;
  const ka = a.map(key).sort();
  const kb = b.map(key).sort();
  return ka.every((k, i) => k === kb[i]);
}

/** Offline approval: accept the definitions recorded with the drift (what `pins diff` showed). */
export function approveRecorded(rec: ServerRecord, now: string): string[] {
  const approved: string[] = [];
  for (const d of rec.drift) {
    if (d.change === 'removed') rec.tools.delete(d.tool);
    else if (d.definition && d.hash_after)
      rec.tools.set(d.tool, {
        hash: d.hash_after,
        pinned_at: now,
        definition: d.definition,
        findings: d.findings,
      });
    else continue;
    approved.push(d.tool);
  }
  rec.drift = [];
  return approved;
}

/** A server's report from its record (and, in a running gateway, its live tools). */
export function serverReport(
  server: string,
  rec: ServerRecord | undefined,
  opts: { enabled: boolean; withheld?: ReadonlySet<string>; live?: ReadonlyMap<string, LiveTool> } = {
    enabled: true,
  },
): ServerPinReport {
  const withheld = [...(opts.withheld ?? NONE)].sort();
  const drift = (rec?.drift ?? []).map(({ definition: _d, ...rest }) => rest);
  let status: PinStatus;
  if (!opts.enabled) status = 'disabled';
  else if (!rec) status = 'unpinned';
  else if (withheld.length > 0) status = 'blocked';
  else if (drift.length > 0) status = 'drift';
  else status = 'pinned';
  const tools = rec
    ? [...rec.tools]
        .map(([name, t]) => ({ name, hash: t.hash, pinned_at: t.pinned_at, findings: t.findings ?? [] }))
        .sort((a, b) => (a.name < b.name ? -1 : 1))
    : [];
  const report: ServerPinReport = {
    server,
    status,
    state: pinLabel(status, status === 'blocked' ? withheld.length : drift.length),
    live: opts.live !== undefined,
    tool_count: tools.length,
    tools,
    drift,
    withheld,
  };
  if (rec) {
    report.pinned_at = rec.pinned_at;
    report.server_hash = serverHash([...rec.tools].map(([n, t]) => [n, t.hash]));
  }
  if (opts.live) report.live_hash = serverHash([...opts.live].map(([n, t]) => [n, t.hash]));
  return report;
}

export interface PinManagerOptions {
  file: string;
  stack: string;
  settings?: Partial<PinSettings>;
  logger?: Logger;
}

export class PinManager {
  private data: PinData;
  private settings: PinSettings;
  private file: string;
  private readonly live = new Map<string, LiveServer>();
  private readonly held = new Map<string, Set<string>>();
  private readonly log: Logger | undefined;
  private saving: Promise<void> = Promise.resolve();
  private pending = false;

  private constructor(o: PinManagerOptions, data: PinData) {
    this.file = o.file;
    this.data = data;
    this.settings = { ...DEFAULT_SETTINGS, ...o.settings };
    this.log = o.logger?.child({ component: 'pins' });
  }

  /** Loads the stack's pins file (missing = nothing pinned yet). Throws PinError on a bad file. */
  static async open(o: PinManagerOptions): Promise<PinManager> {
    return new PinManager(o, await readPins(o.file, o.stack));
  }

  /** Switch to another stack's file (a stackless daemon loading a saved stack). */
  async retarget(o: PinManagerOptions): Promise<void> {
    await this.flush();
    this.data = await readPins(o.file, o.stack);
    this.file = o.file;
    this.settings = { ...DEFAULT_SETTINGS, ...o.settings };
    this.live.clear();
    this.held.clear();
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  // ------------------------------------------------------------ the gateway's side

  /** A server listed its tools (whitelisted, original names). */
  observe(server: string, tools: readonly Record<string, unknown>[], spec: ObserveSpec): void {
    if (!this.settings.enabled || !spec.enabled) {
      this.live.set(server, { enabled: false, tools: new Map() });
      this.held.delete(server);
      return;
    }
    const defs = new Map<string, LiveTool>();
    for (const t of tools) {
      if (typeof t.name !== 'string') continue;
      const def = toolDefinition(t);
      defs.set(t.name, { def, hash: hashDefinition(def) });
    }
    this.live.set(server, { enabled: true, tools: defs });
    const now = new Date().toISOString();
    let rec = this.data.servers.get(server);
    if (rec && spec.identity && rec.identity && rec.identity !== spec.identity) {
      this.log?.info(
        `server "${server}" is a different server now (its command, image or url changed); pinning its tools afresh`,
        { server },
      );
      rec = undefined;
    }
    if (!rec) {
      this.pinFresh(server, defs, spec.identity, now);
      return;
    }
    let dirty = false;
    if (!rec.identity && spec.identity) {
      rec.identity = spec.identity;
      dirty = true;
    }
    const drift = compare(rec, defs, now, rec.drift);
    for (const d of drift) {
      if (d.definition) {
        const f = this.scan(server, d.definition);
        if (f.length > 0) d.findings = f;
      }
    }
    if (!sameDrift(drift, rec.drift)) dirty = true;
    rec.drift = drift;
    const withheld = new Set<string>();
    if (this.settings.action === 'block')
      for (const d of drift) if (d.change !== 'removed') withheld.add(d.tool);
    if (withheld.size > 0) this.held.set(server, withheld);
    else this.held.delete(server);
    for (const d of drift) this.logDrift(server, d);
    for (const d of drift) if (d.findings) this.logFindings(server, d.tool, d.findings);
    if (dirty) this.save();
  }

  /** Original names of the server's tools to withhold from clients. */
  withheld(server: string): ReadonlySet<string> {
    return this.held.get(server) ?? NONE;
  }

  /** The status line shown by `gridctl status` (cheap: no hashing, it runs on every status read). */
  state(server: string, enabled = true): string {
    const live = this.live.get(server);
    if (!this.settings.enabled || !enabled || live?.enabled === false) return 'disabled';
    const rec = this.data.servers.get(server);
    if (!rec) return 'unpinned';
    const held = this.held.get(server)?.size ?? 0;
    if (held > 0) return pinLabel('blocked', held);
    if (rec.drift.length > 0) return pinLabel('drift', rec.drift.length);
    return 'pinned';
  }

  // ------------------------------------------------------------ the API's side

  report(): PinsReport {
    const names = new Set([...this.data.servers.keys(), ...this.live.keys()]);
    return {
      stack: this.data.stack,
      file: this.file,
      enabled: this.settings.enabled,
      action: this.settings.action,
      running: true,
      servers: [...names].sort().map((n) => this.serverReport(n)),
    };
  }

  serverReport(server: string, enabled?: boolean): ServerPinReport {
    const live = this.live.get(server);
    const on = this.settings.enabled && (enabled ?? live?.enabled ?? true);
    return serverReport(server, this.data.servers.get(server), {
      enabled: on,
      withheld: this.held.get(server),
      ...(live?.enabled ? { live: live.tools } : {}),
    });
  }

  has(server: string): boolean {
    return this.data.servers.has(server) || this.live.has(server);
  }

  /**
   * Re-pin what the server serves now and stop withholding. With `expectHash`, only if the live
   * tools still hash to it (the diff the user reviewed is the one approved).
   */
  approve(server: string, expectHash?: string): ApproveResult {
    if (!this.settings.enabled) throw new PinError('disabled', 'schema pinning is disabled for this stack');
    const live = this.live.get(server);
    const rec = this.data.servers.get(server);
    if (!live && !rec)
      throw new PinError('unknown_server', `no pins and no tools known for server "${server}"`);
    if (live && !live.enabled)
      throw new PinError('disabled', `schema pinning is disabled for server "${server}"`);
    const now = new Date().toISOString();
    let approved: string[];
    if (live) {
      const liveHash = serverHash([...live.tools].map(([n, t]) => [n, t.hash]));
      if (expectHash && expectHash !== liveHash) {
        throw new PinError(
          'hash_mismatch',
          `the tools of server "${server}" changed since the reviewed diff (now ${liveHash}); review again with \`gridctl pins diff ${server}\``,
        );
      }
      approved = rec ? compare(rec, live.tools, now).map((d) => d.tool) : [...live.tools.keys()];
      const next: ServerRecord = {
        ...(rec?.identity ? { identity: rec.identity } : {}),
        pinned_at: now,
        tools: new Map(),
        drift: [],
      };
      for (const [name, t] of live.tools) {
        const old = rec?.tools.get(name);
        next.tools.set(
          name,
          old && old.hash === t.hash ? old : this.pinned(server, t, now, /* log findings */ false),
        );
      }
      this.data.servers.set(server, next);
    } else {
      if (!rec || rec.drift.length === 0)
        throw new PinError('nothing_to_approve', `server "${server}" has no drift to approve`);
      approved = approveRecorded(rec, now);
      rec.pinned_at = now;
    }
    this.held.delete(server);
    this.save();
    const rec2 = this.data.servers.get(server)!;
    this.log?.info(
      `approved the current tool definitions of server "${server}"${approved.length ? ` (${approved.join(', ')})` : ''}`,
      { server, tools: approved },
    );
    return {
      server,
      approved,
      tool_count: rec2.tools.size,
      server_hash: serverHash([...rec2.tools].map(([n, t]) => [n, t.hash])),
    };
  }

  /** Forget a server's pins; a server serving now is pinned afresh at once. */
  reset(server: string): { server: string; repinned: boolean } {
    const live = this.live.get(server);
    if (!live && !this.data.servers.has(server))
      throw new PinError('unknown_server', `no pins and no tools known for server "${server}"`);
    const identity = this.data.servers.get(server)?.identity;
    this.data.servers.delete(server);
    this.held.delete(server);
    const repin = live?.enabled === true && this.settings.enabled;
    if (repin) this.pinFresh(server, live.tools, identity, new Date().toISOString());
    else this.save();
    this.log?.info(`pins of server "${server}" reset`, { server });
    return { server, repinned: repin };
  }

  /** A server left the gateway: forget what it served (its pins stay). */
  forgetLive(server: string): void {
    this.live.delete(server);
    this.held.delete(server);
  }

  /** Resolves when every change so far is on disk. */
  async flush(): Promise<void> {
    let last: Promise<void>;
    do {
      last = this.saving;
      await last;
    } while (last !== this.saving);
  }

  // ------------------------------------------------------------ internals

  private pinFresh(
    server: string,
    defs: ReadonlyMap<string, LiveTool>,
    identity: string | undefined,
    now: string,
  ) {
    const rec: ServerRecord = {
      ...(identity ? { identity } : {}),
      pinned_at: now,
      tools: new Map(),
      drift: [],
    };
    for (const [name, t] of defs) rec.tools.set(name, this.pinned(server, t, now, true));
    this.data.servers.set(server, rec);
    this.held.delete(server);
    this.log?.info(`pinned ${defs.size} tool definition(s) of server "${server}"`, {
      server,
      tools: defs.size,
    });
    this.save();
  }

  private pinned(server: string, t: LiveTool, now: string, logFindings: boolean): PinnedTool {
    const p: PinnedTool = { hash: t.hash, pinned_at: now, definition: t.def };
    const f = this.scan(server, t.def);
    if (f.length > 0) {
      p.findings = f;
      if (logFindings) this.logFindings(server, t.def.name, f);
    }
    return p;
  }

  private scan(server: string, def: ToolDefinition): Finding[] {
    if (!this.settings.scan) return [];
    const others = new Map<string, string[]>();
    for (const [name, l] of this.live)
      if (name !== server && l.enabled) others.set(name, [...l.tools.keys()]);
    return scanTool(def, {
      ignore: new Set(this.settings.scanIgnore.map((c) => c.toUpperCase())),
      others,
    });
  }

  private logDrift(server: string, d: DriftEntry): void {
    const what =
      d.change === 'changed'
        ? `changed since it was pinned (${d.fields.join(', ')})`
        : d.change === 'added'
          ? 'is new since the server was pinned'
          : 'was removed since it was pinned';
    const then =
      this.settings.action === 'block' && d.change !== 'removed'
        ? `withheld from clients until approved: \`gridctl pins approve ${server}\``
        : `still served (action: ${this.settings.action}); review with \`gridctl pins diff ${server}\``;
    const fields: Record<string, unknown> = { server, tool: d.tool, change: d.change, fields: d.fields };
    if (d.change === 'changed' && d.fields.includes('description')) {
      fields.before = d.before?.description;
      fields.after = d.after?.description;
    }
    this.log?.warn(`schema drift: tool "${d.tool}" of server "${server}" ${what}; ${then}`, fields);
  }

  private logFindings(server: string, tool: string, findings: readonly Finding[]): void {
    for (const f of findings) {
      this.log?.warn(
        `schema scan: tool "${tool}" of server "${server}": ${f.code} ${f.reason} (at ${f.location})`,
        {
          server,
          tool,
          code: f.code,
          severity: f.severity,
          location: f.location,
          ...(f.excerpt ? { excerpt: f.excerpt } : {}),
        },
      );
    }
  }

  private save(): void {
    this.pending = true;
    this.saving = this.saving.then(async () => {
      if (!this.pending) return;
      this.pending = false;
      try {
        await writePins(this.file, this.data);
      } catch (err) {
        this.log?.error(`cannot write ${this.file}: ${(err as Error).message}`);
      }
    });
  }
}

export type { PinnedField };
