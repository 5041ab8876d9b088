// Tasks across several upstreams behind one gateway, in both eras: two 2025-11-25 servers with the
// SDK's `tasks` capability (session clients: tools/call with `task`, tasks/get, result, list,
// cancel) and two 2026-07-28 servers with the tasks extension (stateless clients: tasks/get,
// update, cancel). Every task goes back to the server that made it, although both 2026 fixtures
// number their tasks alike ("task-1", ...); an altered taskId, or one issued to another client, is
// refused with TASK_UNKNOWN, and tasks/list shows a client only its own tasks.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tasksLegacyStdioCommand, tasksStdioCommand } from '../fixtures/tasks.js';
import { waitFor } from '../support/wait.js';
import { post, type RunningGateway, spec, startGateway, stdio } from './helpers.js';

type Obj = Record<string, unknown>;
const EXT = 'io.modelcontextprotocol/tasks';
const V = '2026-07-28';
const textOf = (r: unknown) =>
  ((r as { content?: Array<{ text?: string }> }).content?.[0]?.text ?? '') as string;

/** A 2025 session client named `name` (its name is its principal: no auth in this stack). */
const session = async (url: string, name: string): Promise<Client> => {
  const c = new Client({ name, version: '1' }, { capabilities: { tasks: {} } });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  return c;
};

/** Swap one character of a taskId's signed part (not the last: base64url's final char may pad). */
const tamper = (id: string, at: number): string => {
  const i = id.length - at;
  return `${id.slice(0, i)}${id[i] === 'A' ? 'B' : 'A'}${id.slice(i + 1)}`;
};

describe('tasks routed to their owner across two task servers per era', () => {
  let gw: RunningGateway;
  const clients: Client[] = [];

  beforeAll(async () => {
    gw = await startGateway([
      spec('la', stdio(tasksLegacyStdioCommand('la'))),
      spec('lb', stdio(tasksLegacyStdioCommand('lb'))),
      spec('ma', stdio(tasksStdioCommand('ma')), { protocolGeneration: 'auto' }),
      spec('mb', stdio(tasksStdioCommand('mb')), { protocolGeneration: 'auto' }),
    ]);
    const eras = Object.fromEntries(gw.gateway.status().map((s) => [s.name, `${s.state}/${s.era}`]));
    expect(eras).toEqual({
      la: 'healthy/handshake',
      lb: 'healthy/handshake',
      ma: 'healthy/stateless',
      mb: 'healthy/stateless',
    });
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await gw?.close();
  });

  describe('2025-11-25 sessions (tasks capability)', () => {
    let alice: Client;
    let bob: Client;
    let onA = '';
    let onB = '';

    const createTask = async (c: Client, name: string, args: Obj): Promise<string> => {
      const r = await c.request(
        { method: 'tools/call', params: { name, arguments: args, task: { ttl: 60_000 } } },
        CreateTaskResultSchema,
      );
      return r.task.taskId;
    };

    beforeAll(async () => {
      alice = await session(gw.url, 'alice');
      bob = await session(gw.url, 'bob');
      clients.push(alice, bob);
    });

    it('initialize offers tasks; a task-augmented call on each server gets a gateway taskId', async () => {
      expect(alice.getServerCapabilities()?.tasks).toMatchObject({ list: {}, cancel: {} });
      onA = await createTask(alice, 'la__compute', { label: 'one' });
      onB = await createTask(alice, 'lb__compute', { label: 'two', ms: 600_000 });
      for (const id of [onA, onB]) expect(id).toMatch(/^gridctl-task\.1\./);
      expect(onA).not.toBe(onB);
    });

    it('tasks/list merges both servers; tasks/get and tasks/result reach the owner', async () => {
      const listed = (await alice.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
      expect(listed.sort()).toEqual([onA, onB].sort());
      const done = await waitFor(
        async () => {
          const t = await alice.experimental.tasks.getTask(onA);
          return t.status === 'completed' && t;
        },
        { what: 'the task on la to complete' },
      );
      expect(done.taskId).toBe(onA);
      expect((await alice.experimental.tasks.getTask(onB)).status).toBe('working');
      const result = await alice.experimental.tasks.getTaskResult(onA, CallToolResultSchema);
      expect(textOf(result)).toBe('computed one [la]');
      // The result names its task by the gateway's id, not the server's.
      expect(result._meta?.['io.modelcontextprotocol/related-task']).toEqual({ taskId: onA });
    });

    it('tasks/cancel reaches the owner and only its task', async () => {
      await alice.experimental.tasks.cancelTask(onB);
      expect((await alice.experimental.tasks.getTask(onB)).status).toBe('cancelled');
      expect((await alice.experimental.tasks.getTask(onA)).status).toBe('completed');
    });

    it("another client sees none of alice's tasks and cannot use her taskIds", async () => {
      expect((await bob.experimental.tasks.listTasks()).tasks).toEqual([]);
      const mine = await createTask(bob, 'lb__compute', { label: 'bob' });
      expect((await bob.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([mine]);
      for (const call of [
        () => bob.experimental.tasks.getTask(onA),
        () => bob.experimental.tasks.getTaskResult(onA, CallToolResultSchema),
        () => bob.experimental.tasks.cancelTask(onB),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: -32602, data: { code: 'TASK_UNKNOWN' } });
      }
      // And alice's list did not grow by bob's task.
      expect((await alice.experimental.tasks.listTasks()).tasks).toHaveLength(2);
    });

    it('an altered taskId or one the gateway never issued is refused with TASK_UNKNOWN', async () => {
      for (const id of [tamper(onA, 5), tamper(onA, onA.length - 20), 'not-ours', onA.slice(0, -1)]) {
        await expect(alice.experimental.tasks.getTask(id)).rejects.toMatchObject({
          code: -32602,
          data: { code: 'TASK_UNKNOWN' },
        });
      }
    });
  });

  describe('2026-07-28 stateless requests (tasks extension)', () => {
    const meta = (name: string, caps: Obj = { extensions: { [EXT]: {} } }) => ({
      'io.modelcontextprotocol/protocolVersion': V,
      'io.modelcontextprotocol/clientInfo': { name, version: '1' },
      'io.modelcontextprotocol/clientCapabilities': caps,
    });
    let id = 100;
    const rpc = async (method: string, params: Obj, who = 'carol', caps?: Obj) => {
      // Mcp-Name carries the tool's name, or for tasks/* the taskId.
      const name = (params.name ?? params.taskId) as string | undefined;
      const r = await post(
        gw.url,
        JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params: { ...params, _meta: meta(who, caps) } }),
        {
          'mcp-protocol-version': V,
          'mcp-method': method,
          ...(name !== undefined ? { 'mcp-name': name } : {}),
        },
      );
      return r.json as { result?: Obj; error?: { code: number; message: string; data?: Obj } };
    };
    const call = async (tool: string, args: Obj = {}) => {
      const r = await rpc('tools/call', { name: tool, arguments: args });
      expect(r.result).toMatchObject({ resultType: 'task', status: expect.any(String) });
      return r.result?.taskId as string;
    };
    const settled = (taskId: string, status = 'completed') =>
      waitFor(
        async () => {
          const r = (await rpc('tasks/get', { taskId })).result;
          return r?.status === status && r;
        },
        { what: `task ${taskId} ${status}` },
      );
    let onA = '';
    let onB = '';

    it('both servers number their tasks alike, yet each gateway taskId reaches its owner', async () => {
      onA = await call('ma__slow_compute', { seconds: 0, label: 'A' });
      onB = await call('mb__slow_compute', { seconds: 0, label: 'B' });
      expect(onA).not.toBe(onB);
      const a = await settled(onA);
      const b = await settled(onB);
      expect(a).toMatchObject({ taskId: onA, resultType: 'complete' });
      expect(textOf(a.result)).toBe('computed A after 0s [ma]');
      expect(textOf(b.result)).toBe('computed B after 0s [mb]');
    });

    it('tasks/update carries input responses to the owner; tasks/cancel stops only its task', async () => {
      const asking = await call('mb__confirm_delete', { filename: 'x.txt' });
      const waiting = await settled(asking, 'input_required');
      expect(Object.keys(waiting.inputRequests as Obj)).toEqual(['confirm']);
      const upd = await rpc('tasks/update', {
        taskId: asking,
        inputResponses: { confirm: { action: 'accept', content: { confirm: true } } },
      });
      expect(upd.error).toBeUndefined();
      expect(textOf((await settled(asking)).result)).toContain('deleted x.txt');

      const long = await call('ma__slow_compute', { seconds: 600, label: 'L' });
      expect((await rpc('tasks/cancel', { taskId: long })).error).toBeUndefined();
      expect((await rpc('tasks/get', { taskId: long })).result).toMatchObject({ status: 'cancelled' });
      expect((await rpc('tasks/get', { taskId: onB })).result).toMatchObject({ status: 'completed' });
    });

    it('a client that did not declare the extension gets TASKS_NOT_DECLARED (-32021)', async () => {
      const r = await rpc('tasks/get', { taskId: onA }, 'carol', {});
      expect(r.error).toMatchObject({
        code: -32021,
        data: { code: 'TASKS_NOT_DECLARED', requiredCapabilities: { extensions: { [EXT]: {} } } },
      });
    });

    it('a taskId of another client, an altered one or a server-side id is refused with TASK_UNKNOWN', async () => {
      for (const [taskId, who] of [
        [onA, 'dave'],
        [tamper(onA, 5), 'carol'],
        [tamper(onA, onA.length - 20), 'carol'],
        ['task-1', 'carol'],
      ] as const) {
        for (const method of ['tasks/get', 'tasks/cancel']) {
          const r = await rpc(method, { taskId }, who);
          expect(r.error, `${method} ${taskId} as ${who}`).toMatchObject({
            code: -32602,
            data: { code: 'TASK_UNKNOWN' },
          });
        }
      }
      // Refused means not forwarded: carol's task is still hers and complete.
      expect((await rpc('tasks/get', { taskId: onA })).result).toMatchObject({ status: 'completed' });
    });
  });
});
