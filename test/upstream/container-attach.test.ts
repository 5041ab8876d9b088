// The container-attach upstream against a real SDK server: the conformance fixture bundled into an
// offline test image, one container per client (detaching ends the server, as it does in a stack).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackLabels } from '../../src/runtime/index.js';
import type { WorkloadRuntime } from '../../src/runtime/types.js';
import { ContainerAttachUpstream, type ContainerStdioHandle } from '../../src/upstream/container-attach.js';
import { engine, sdkFixtureImage } from '../runtime/images.js';
import { waitFor } from '../support/wait.js';
import { upstreamContract } from './contract.js';
import { INIT, recorder } from './recorder.js';
import { directClient, fixtureShape } from './targets.js';

const STACK = `attach${process.pid}`;
let rt: WorkloadRuntime;
let image: string;
let made = 0;
// The bundle the image runs, also on disk here for the direct SDK client.
const tmp = mkdtempSync(join(tmpdir(), 'gridctl-attach-contract-'));
const bundle = join(tmp, 'server.mjs');

beforeAll(async () => {
  rt = await engine();
  const built = await sdkFixtureImage(rt);
  image = built.tag;
  writeFileSync(bundle, built.code);
}, 180_000);

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await Promise.all((await rt.listContainers(stackLabels(STACK))).map((c) => rt.removeContainer(c.id)));
  expect(await rt.listContainers(stackLabels(STACK))).toEqual([]);
});

/** A fresh container, created on attach (create() must be synchronous), started by connect(). */
function freshContainer(): ContainerStdioHandle {
  let id: string | undefined;
  const handle: ContainerStdioHandle = {
    get id() {
      return id ?? '(not created)';
    },
    attach: async () => {
      id = await rt.createContainer({
        name: `gridctl-${STACK}-${++made}`,
        image,
        env: {},
        labels: stackLabels(STACK),
        network: 'none',
        aliases: [],
        ports: [],
        volumes: [],
        stdin: true,
        extraHosts: [],
      });
      return rt.attach(id);
    },
    ensureStarted: async () => {
      if ((await rt.inspectContainer(id!))?.state !== 'running') await rt.startContainer(id!);
    },
    exitReason: async () => {
      const c = await rt.inspectContainer(id!);
      if (!c) return 'was removed';
      return c.state === 'running' ? undefined : `exited with code ${c.exitCode}`;
    },
  };
  return handle;
}

upstreamContract({
  ...fixtureShape,
  label: 'container attach → conformance fixture (SDK)',
  serverName: 'fixture',
  create: () => new ContainerAttachUpstream('fixture', { container: freshContainer() }),
  // The same bundled file the image runs, run locally: an SDK client cannot attach to a container.
  direct: () =>
    directClient(new StdioClientTransport({ command: process.execPath, args: [bundle], stderr: 'ignore' })),
});

describe('ContainerAttachUpstream specifics', () => {
  // The attach analogue of "close() leaves no process": detaching ends the server in its container.
  it('close() detaches and the container exits cleanly', async () => {
    const container = freshContainer();
    const client = new ContainerAttachUpstream('fixture', { container });
    await client.connect(recorder(), INIT);
    expect((await rt.inspectContainer(container.id))?.state).toBe('running');
    await client.close();
    const c = await waitFor(
      async () => {
        const c = await rt.inspectContainer(container.id);
        return c?.state === 'exited' ? c : undefined;
      },
      { timeoutMs: 10_000, what: 'the container to exit after detach' },
    );
    expect(c.exitCode).toBe(0);
  });
});
