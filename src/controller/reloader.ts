// Reloader: applies an edited stack file to the running gateway in place. Added, removed and
// modified servers are registered / unregistered individually, so untouched servers keep running
// undisturbed; a load error changes nothing. What cannot change without a restart (gateway
// listener, networks, the stack's name) is reported, never half-applied.

import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { diffStacks } from '../config/diff.js';
import { type LoadResult, type McpServer, type Stack, serverKind } from '../config/index.js';
import { coded } from '../errors/coded.js';
import type { CallPolicies } from '../gateway/pipeline/pipeline.js';
import type { AutoscalePolicy } from '../gateway/types.js';
import type { Logger } from '../logging/logger.js';
import type { OAuthHub } from '../oauth/hub.js';
import { pinFields } from '../security/pins/identity.js';
import type { HomePaths } from '../state/paths.js';
import type { ContainerView } from './container-discovery.js';
import { callPolicies } from './policies.js';
import { loadForRun } from './secrets.js';
import { autoscalePolicy, serverSpec } from './server-registrar.js';

/** gateway fields that are call policies, swapped live by setPolicies. */
const HOT_GATEWAY_FIELDS = new Set([
  'maxToolResultBytes',
  'output_format',
  'code_mode',
  'code_mode_timeout',
  'code_mode_memory_mb',
]);

function pick(o: object | undefined, keys: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => keys.has(k)));
}

export interface ReloadResult {
  success: boolean;
  message: string;
  added: string[];
  removed: string[];
  modified: string[];
  errors: string[];
}

/** The part of the gateway the reloader drives. */
export interface ReloadTarget {
  addServer(spec: ReturnType<typeof serverSpec>): Promise<unknown>;
  removeServer(name: string): Promise<unknown>;
  /** Swap an autoscaled server's policy in place; false when it cannot (then it is re-registered). */
  updateAutoscale?(name: string, policy: AutoscalePolicy): boolean;
  /** Swap the tool groups served at /groups/<name>/mcp. */
  setGroups?(groups: Stack['groups']): void;
  /** Swap the call policies (clients, limits, result shaping); live sessions see them next request. */
  setPolicies?(policies: CallPolicies): void;
}

export interface ReloaderOptions {
  file: string;
  env: NodeJS.ProcessEnv;
  paths: HomePaths;
  /** Receives the variable store's redactor after each successful load. */
  onRedactor?: (redact: (text: string) => string) => void;
  target: ReloadTarget;
  logger: Logger;
  pingIntervalMs?: number;
  /** The stack's containers: the current view, and `up` of a new spec followed by discovery. */
  containers?: {
    current(): ContainerView | undefined;
    refresh(stack: Stack): Promise<ContainerView | undefined>;
  };
  /** Called with the stack as now applied (for the state file's snapshot). */
  onApplied?: (stack: Stack) => void;
  /** The daemon's OAuth clients. */
  oauth?: OAuthHub;
  /** `apply --no-expand` (server-registrar.ts). */
  noExpand?: boolean;
}

export class Reloader {
  private chain: Promise<unknown> = Promise.resolve();
  private watchers: FSWatcher[] = [];
  private debounce: NodeJS.Timeout | undefined;

  constructor(
    private applied: Stack,
    private readonly opts: ReloaderOptions,
  ) {}

  get current(): Stack {
    return this.applied;
  }

  /** Reloads are serialised: a watcher event and an API call never interleave. */
  reload(): Promise<ReloadResult> {
    const run = this.chain.then(() => this.reloadOnce());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async reloadOnce(): Promise<ReloadResult> {
    const result: ReloadResult = {
      success: true,
      message: '',
      added: [],
      removed: [],
      modified: [],
      errors: [],
    };
    let loaded: LoadResult;
    try {
      const run = await loadForRun(this.opts.file, this.opts.env, this.opts.paths);
      loaded = run.loaded;
      if (loaded.ok) this.opts.onRedactor?.(run.redact); // the store may hold new values now
    } catch (err) {
      return {
        ...result,
        success: false,
        message: `${(err as Error).message}; the running configuration is unchanged`,
      };
    }
    if (!loaded.ok || !loaded.stack) {
      const errors = loaded.issues.filter((i) => i.severity === 'error');
      return {
        ...result,
        success: false,
        message: `failed to load ${this.opts.file}; the running configuration is unchanged`,
        errors: errors.map((i) => `${i.line ? `${i.line}:${i.column ?? 1} ` : ''}${i.field}: ${i.message}`),
      };
    }
    const proposed = loaded.stack;
    if (proposed.name !== this.applied.name) {
      return {
        ...result,
        success: false,
        message: `the stack's name changed (${this.applied.name} → ${proposed.name}); destroy and apply instead`,
      };
    }
    const diff = diffStacks(this.applied, proposed);
    if (!diff.hasChanges) return { ...result, message: 'no changes detected' };

    // Start from what runs now and move each item over as it succeeds.
    const next: Stack = structuredClone(this.applied);
    const servers = new Map(next['mcp-servers'].map((s) => [s.name, s]));
    const wanted = new Map(proposed['mcp-servers'].map((s) => [s.name, s]));

    // Containers first: one `up` of the proposed stack recreates exactly the containers whose spec
    // changed (and removes the ones no longer declared); the servers are then re-registered below.
    const isContainer = (name: string) =>
      [servers.get(name), wanted.get(name)].some((s) => s !== undefined && serverKind(s) === 'container');
    const touchesContainers = diff.items.some(
      (i) => i.kind === 'resource' || (i.kind === 'mcp-server' && isContainer(i.name)),
    );
    let containers = this.opts.containers?.current();
    let containerError: string | undefined;
    if (touchesContainers) {
      try {
        if (!this.opts.containers)
          throw coded('CONTAINERS_UNAVAILABLE', 'this gateway cannot manage containers');
        containers = await this.opts.containers.refresh(proposed);
        next.resources = proposed.resources;
      } catch (err) {
        containerError = (err as Error).message;
      }
    }

    for (const item of diff.items) {
      const label = `${item.kind}:${item.name}`;
      try {
        if (
          item.kind === 'gateway' &&
          item.details.every((d) => HOT_GATEWAY_FIELDS.has(d.split(/[.: ]/, 1)[0] ?? ''))
        ) {
          // Result shaping is a call policy: it swaps with the others below, no restart.
          next.gateway = {
            ...(next.gateway ?? {}),
            ...pick(proposed.gateway, HOT_GATEWAY_FIELDS),
          } as Stack['gateway'];
          result.modified.push(label);
          continue;
        }
        switch (item.kind) {
          case 'mcp-server': {
            if (containerError && isContainer(item.name)) {
              result.errors.push(`${label}: ${containerError}`);
              break;
            }
            if (item.action === 'change' && this.swapAutoscale(item.name, item.details, servers, wanted)) {
              result.modified.push(label);
              break;
            }
            if (item.action !== 'add') await this.opts.target.removeServer(item.name);
            servers.delete(item.name);
            if (item.action !== 'remove') {
              const spec = wanted.get(item.name) as McpServer;
              // Pins stay with a removed or edited server; an edited command/image/url makes it a
              // different server, which pinFields' identity tells the pin manager (docs/pins.md).
              await this.opts.target.addServer({
                ...serverSpec(spec, {
                  stackFile: this.opts.file,
                  env: this.opts.env,
                  pingIntervalMs: this.opts.pingIntervalMs,
                  containers,
                  oauth: this.opts.oauth,
                  noExpand: this.opts.noExpand,
                }),
                ...pinFields(spec),
              });
              servers.set(item.name, spec);
            }
            ({ add: result.added, change: result.modified, remove: result.removed })[item.action].push(label);
            break;
          }
          case 'policy': {
            (next as Record<string, unknown>)[item.name] = (proposed as Record<string, unknown>)[item.name];
            if (item.name === 'groups') this.opts.target.setGroups?.(proposed.groups);
            result.modified.push(label);
            break;
          }
          case 'resource':
            if (containerError) result.errors.push(`${label}: ${containerError}`);
            else
              ({ add: result.added, change: result.modified, remove: result.removed })[item.action].push(
                label,
              );
            break;
          default:
            result.errors.push(
              `${label}: ${item.details.join(', ') || item.action} — needs a restart (gridctl destroy, then apply)`,
            );
        }
      } catch (err) {
        result.errors.push(`${label}: ${(err as Error).message}`);
      }
    }
    // The proposed file's order for servers that run now; servers that failed to go stay listed.
    next['mcp-servers'] = [
      ...proposed['mcp-servers'].flatMap((s) => servers.get(s.name) ?? []),
      ...[...servers.values()].filter((s) => !wanted.has(s.name)),
    ];
    this.applied = next;
    // Policies are swapped whole from what is now applied, whichever items changed.
    this.opts.target.setPolicies?.(callPolicies(next));
    this.opts.onApplied?.(next);
    result.success = result.errors.length === 0;
    result.message = result.success ? 'reloaded' : 'reloaded with errors; the rest of the stack is unchanged';
    return result;
  }

  /**
   * A change that only touches an autoscaled server's `autoscale` block: the running replica set
   * takes the new policy in place, no replica restarts. Switching between static replicas and
   * autoscale (or any other change) re-registers the server.
   */
  private swapAutoscale(
    name: string,
    details: string[],
    servers: Map<string, McpServer>,
    wanted: Map<string, McpServer>,
  ): boolean {
    const running = servers.get(name);
    const incoming = wanted.get(name);
    if (!running?.autoscale || !incoming?.autoscale) return false;
    if (!details.every((d) => d.startsWith('autoscale.'))) return false;
    const policy = autoscalePolicy(incoming);
    if (!policy || !this.opts.target.updateAutoscale?.(name, policy)) return false;
    servers.set(name, incoming);
    this.opts.logger.info(`reload: autoscale policy of '${name}' updated in place`, { changed: details });
    return true;
  }

  /** Watches the stack file (and its extends parents) by folder, so atomic-rename saves are seen. */
  watch(files: string[], debounceMs = 300): void {
    const byDir = new Map<string, Set<string>>();
    for (const f of files) {
      const set = byDir.get(dirname(f)) ?? new Set<string>();
      set.add(basename(f));
      byDir.set(dirname(f), set);
    }
    for (const [dir, names] of byDir) {
      this.watchers.push(
        watch(dir, (_event, filename) => {
          if (filename && !names.has(filename.toString())) return;
          clearTimeout(this.debounce);
          this.debounce = setTimeout(() => {
            void this.reload().then((r) => {
              const log = this.opts.logger;
              if (r.message === 'no changes detected') return;
              const summary = `added ${r.added.length}, modified ${r.modified.length}, removed ${r.removed.length}`;
              if (r.success) log.info(`reloaded ${this.opts.file}: ${summary}`);
              else log.error(`reload of ${this.opts.file}: ${r.message}`, { errors: r.errors });
            });
          }, debounceMs);
        }),
      );
    }
  }

  close(): void {
    clearTimeout(this.debounce);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
