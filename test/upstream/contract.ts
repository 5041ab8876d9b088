// The contract every UpstreamClient implementation passes, written once and run per transport and
// per real server. It checks what a gateway user would see, against real servers.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, RpcError } from '../../src/protocol/jsonrpc.js';
import type { UpstreamClient } from '../../src/upstream/types.js';
import { descendants, isAlive, processTable } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { INIT, type Recorder, recorder } from './recorder.js';

type Args = Record<string, unknown>;

/** How one real server exposes the behaviours the contract needs. */
export interface ContractTarget {
  /** e.g. "stdio → server-everything". */
  label: string;
  /** A fresh, unconnected client for this server (the server name it uses is `serverName`). */
  create(): UpstreamClient;
  serverName: string;
  /** An SDK Client talking to the same server directly, for byte-for-byte comparisons. */
  direct(): Promise<Client>;
  expectedServerName: string;
  echo: { tool: string; args: (text: string) => Args; text: (text: string) => string };
  image: { tool: string; args: Args };
  /** A call whose result carries structuredContent (and optionally _meta) to compare exactly. */
  structured: { tool: string; args: Args; structuredContent: unknown; meta?: unknown };
  /** Sends progress notifications when given a token; `count` of them. */
  progress: { tool: string; args: Args; count: number };
  /** Takes longer than `timeoutMs` in all, but reports progress more often than that. */
  progressReset: { tool: string; args: Args; timeoutMs: number; minDurationMs: number };
  /** Runs for several seconds, emitting progress when given a token. */
  slow: { tool: string; args: Args };
  /** Asks the client for sampling/createMessage with the given prompt; the result quotes the answer. */
  sampling: { tool: string; args: (prompt: string) => Args };
  /** A tool answering how many cancellations the server saw, to prove notifications/cancelled arrived. */
  cancelledCount?: { tool: string };
  /** Process-backed transports: the pid whose tree must vanish on close(). */
  processBacked?: boolean;
  /** Behaviours this kind of server cannot have; see ReducedContractTarget. */
  without?: readonly ContractFeature[];
}

/**
 * Behaviours some kinds of upstream cannot have: `direct` (no SDK client can reach it, e.g. an
 * OpenAPI server served in-process), `progress` (it never sends progress, so neither can progress
 * reset a timeout nor trigger a cancellation), `sampling` (it never asks the client anything).
 */
export type ContractFeature = 'direct' | 'progress' | 'sampling';

interface FeatureFields {
  direct: 'direct';
  progress: 'progress' | 'progressReset';
  sampling: 'sampling';
}

/**
 * A target declaring what it cannot do: the checks for those features are not registered at all
 * (nothing is skipped or loosened), and their fields become unnecessary. A target without `direct`
 * gets a standalone image check instead of the byte-for-byte comparison.
 */
export type ReducedContractTarget<F extends ContractFeature = ContractFeature> = Omit<
  ContractTarget,
  FeatureFields[F] | 'without'
> &
  Partial<Pick<ContractTarget, FeatureFields[F]>> & { without: readonly F[] };

export function upstreamContract(input: ContractTarget | ReducedContractTarget): void {
  // Only the checks registered for the target's features read the optional fields.
  const target = input as ContractTarget;
  const can = (feature: ContractFeature) => !(input.without ?? []).includes(feature);
  describe(`UpstreamClient contract: ${target.label}`, () => {
    const open: UpstreamClient[] = [];
    const directs: Client[] = [];
    const pids = new Set<number>();
    afterEach(async () => {
      for (const c of open) if (c.pid !== undefined) pids.add(c.pid);
      await Promise.all(open.splice(0).map((c) => c.close()));
      await Promise.all(directs.splice(0).map((c) => c.close()));
    });
    afterAll(() => {
      // Every server process this suite started is gone, with its whole group.
      const left = processTable().filter((p) => pids.has(p.pid) || pids.has(p.pgid));
      expect(left).toEqual([]);
    });

    async function connected(): Promise<{ client: UpstreamClient; ev: Recorder }> {
      const client = target.create();
      open.push(client);
      const ev = recorder();
      await client.connect(ev, INIT);
      return { client, ev };
    }

    const call = (
      client: UpstreamClient,
      tool: string,
      args: Args,
      opts?: Parameters<UpstreamClient['request']>[2],
    ) =>
      client.request('tools/call', { name: tool, arguments: args }, opts) as Promise<Record<string, unknown>>;

    it('initializes and exposes the server’s answer unchanged', async () => {
      const { client } = await connected();
      expect(client.initResult?.serverInfo.name).toBe(target.expectedServerName);
      expect(typeof client.initResult?.protocolVersion).toBe('string');
      expect(client.initResult?.capabilities).toHaveProperty('tools');
    });

    it('lists tools and calls one (echo)', async () => {
      const { client } = await connected();
      const list = (await client.request('tools/list', undefined)) as { tools: { name: string }[] };
      const names = list.tools.map((t) => t.name);
      expect(names).toContain(target.echo.tool);
      expect(names).toContain(target.image.tool);
      const res = await call(client, target.echo.tool, target.echo.args('héllo ✓'));
      expect(res.content).toEqual([{ type: 'text', text: target.echo.text('héllo ✓') }]);
    });

    if (can('direct'))
      it('passes image content through byte-identical to a direct SDK client', async () => {
        const { client } = await connected();
        const ours = await call(client, target.image.tool, target.image.args);
        const direct = await target.direct();
        directs.push(direct);
        const theirs = await direct.callTool({ name: target.image.tool, arguments: target.image.args });
        const img = (r: Record<string, unknown>) =>
          (r.content as { type: string }[]).find((c) => c.type === 'image');
        expect(img(ours)).toBeDefined();
        expect(JSON.stringify(img(ours))).toBe(JSON.stringify(img(theirs)));
        expect(JSON.stringify(ours.content)).toBe(JSON.stringify(theirs.content));
      });

    if (!can('direct'))
      it('returns image content (base64 data with a mime type)', async () => {
        const { client } = await connected();
        const res = await call(client, target.image.tool, target.image.args);
        const img = (res.content as { type: string; data?: unknown; mimeType?: unknown }[]).find(
          (c) => c.type === 'image',
        );
        expect(typeof img?.data).toBe('string');
        expect(Buffer.from(img!.data as string, 'base64').length).toBeGreaterThan(0);
        expect(img?.mimeType).toMatch(/^image\//);
      });

    it('passes structuredContent and _meta through unchanged', async () => {
      const { client } = await connected();
      const res = await call(client, target.structured.tool, target.structured.args);
      expect(res.structuredContent).toEqual(target.structured.structuredContent);
      if (target.structured.meta !== undefined) expect(res._meta).toEqual(target.structured.meta);
    });

    if (can('progress'))
      it('routes progress notifications to the caller and not to onNotification', async () => {
        const { client, ev } = await connected();
        const seen: Record<string, unknown>[] = [];
        await call(client, target.progress.tool, target.progress.args, { onProgress: (p) => seen.push(p) });
        expect(seen.length).toBe(target.progress.count);
        for (const p of seen) expect(typeof p.progress).toBe('number');
        expect(ev.notifications.filter((n) => n.msg.method === 'notifications/progress')).toEqual([]);
      });

    it('times out with an error naming the server and the RequestTimeout code, then keeps working', async () => {
      const { client } = await connected();
      const started = Date.now();
      const err = await call(client, target.slow.tool, target.slow.args, { timeoutMs: 300 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe(ErrorCode.RequestTimeout);
      expect((err as RpcError).message).toContain(`"${target.serverName}"`);
      expect(Date.now() - started).toBeLessThan(3000);
      const res = await call(client, target.echo.tool, target.echo.args('after timeout'));
      expect(res.content).toEqual([{ type: 'text', text: target.echo.text('after timeout') }]);
    });

    if (can('progress'))
      it('progress resets the timeout', async () => {
        const { client } = await connected();
        const { tool, args, timeoutMs, minDurationMs } = target.progressReset;
        expect(minDurationMs).toBeGreaterThan(timeoutMs * 1.5);
        const started = Date.now();
        let seen = 0;
        const res = await call(client, tool, args, { timeoutMs, onProgress: () => seen++ });
        expect(Date.now() - started).toBeGreaterThanOrEqual(minDurationMs);
        expect(res.content).toBeDefined();
        expect(seen).toBeGreaterThan(1);
      });

    if (can('progress'))
      it('cancels through an AbortSignal and keeps working', async () => {
        const { client } = await connected();
        const ac = new AbortController();
        const started = Date.now();
        // Abort once the server demonstrably works on it (first progress notification).
        const err = await call(client, target.slow.tool, target.slow.args, {
          signal: ac.signal,
          onProgress: () => ac.abort(new Error('user cancelled')),
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(RpcError);
        expect((err as RpcError).message).toContain('cancelled');
        expect(Date.now() - started).toBeLessThan(4000);
        const res = await call(client, target.echo.tool, target.echo.args('after cancel'));
        expect(res.content).toEqual([{ type: 'text', text: target.echo.text('after cancel') }]);
        const probe = target.cancelledCount;
        if (probe) {
          await waitFor(
            async () => {
              const r = await call(client, probe.tool, {});
              return JSON.stringify(r.content).includes('"1"');
            },
            { timeoutMs: 5000, what: 'the server to see the cancellation' },
          );
        }
      });

    it('preserves upstream JSON-RPC error codes', async () => {
      const { client } = await connected();
      const err = await client.request('no/such/method', {}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe(ErrorCode.MethodNotFound);
      expect((err as RpcError).message).toContain(`"${target.serverName}"`);
    });

    if (can('sampling'))
      it('relays a server-to-client request (sampling) and delivers the answer back', async () => {
        const { client, ev } = await connected();
        ev.answer = async (msg) => {
          expect(msg.method).toBe('sampling/createMessage');
          return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'sampled-42' } };
        };
        const res = await call(client, target.sampling.tool, target.sampling.args('what is 6*7?'));
        expect(ev.requests.map((r) => r.msg.method)).toEqual(['sampling/createMessage']);
        expect(JSON.stringify(ev.requests[0]?.msg.params)).toContain('what is 6*7?');
        expect(JSON.stringify(res.content)).toContain('sampled-42');
      });

    if (can('sampling'))
      it('answers a server-to-client request with the error the handler threw', async () => {
        const { client, ev } = await connected();
        ev.answer = async () => {
          throw new RpcError(-32042, 'sampling refused by test');
        };
        const outcome = await call(client, target.sampling.tool, target.sampling.args('x')).then(
          (r) => JSON.stringify(r),
          (e: unknown) => (e as Error).message,
        );
        // Servers report the failed sampling either as a tool error result or a JSON-RPC error.
        expect(outcome).toContain('sampling refused by test');
      });

    it('close() reports a clean close, rejects later calls and leaves no process', async () => {
      const { client, ev } = await connected();
      const pid = client.pid;
      const tree = pid === undefined ? [] : [pid, ...descendants(pid).map((p) => p.pid)];
      if (target.processBacked) expect(tree.length).toBeGreaterThan(0);
      await client.close();
      await client.close(); // idempotent
      expect(ev.closes).toEqual([undefined]);
      for (const p of tree) expect(isAlive(p)).toBe(false);
      const err = await client.request('tools/list', undefined).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as RpcError).code).toBe(ErrorCode.ConnectionClosed);
    });

    it('serves many concurrent calls, each answered to its own caller', async () => {
      const { client } = await connected();
      const texts = Array.from({ length: 50 }, (_, i) => `msg-${i}`);
      const results = await Promise.all(
        texts.map((t) => call(client, target.echo.tool, target.echo.args(t))),
      );
      results.forEach((r, i) => {
        expect(r.content).toEqual([{ type: 'text', text: target.echo.text(texts[i]!) }]);
      });
    });

    it('answers ping', async () => {
      const { client } = await connected();
      expect(await client.request('ping', undefined)).toEqual({});
    });
  });
}
