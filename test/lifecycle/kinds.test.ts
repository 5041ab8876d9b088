// Every non-container server kind through `gridctl apply`: a local process, a process on another
// host over SSH (a real sshd on loopback) and a REST API from its OpenAPI spec.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PetStoreApi, SPECS, startPetStore } from '../fixtures/openapi/petstore-api.js';
import { freePort } from '../support/net.js';
import { processesIn } from '../support/processes.js';
import { type Sshd, sshBlock, startSshd } from '../support/sshd.js';
import { waitFor } from '../support/wait.js';
import { EVERYTHING, gridctl, localServer, type Sandbox, sandbox } from './cli.js';

describe('ssh and openapi servers through apply', () => {
  let sshd: Sshd;
  let api: PetStoreApi;
  let sb: Sandbox;

  beforeAll(async () => {
    [sshd, api] = await Promise.all([startSshd(), startPetStore()]);
    sb = sandbox();
  });

  afterAll(async () => {
    await gridctl(sb, ['destroy', 'kinds']).catch(() => undefined);
    await Promise.all([sshd?.stop(), api?.close()]);
  });

  it('runs all three kinds behind one endpoint and stops every remote process on destroy', async () => {
    const port = await freePort();
    const file = sb.write(
      'stack.yaml',
      [
        'name: kinds',
        'mcp-servers:',
        localServer('local', EVERYTHING, 'stdio').trimEnd(),
        '  - name: remote',
        `    command: ["node", ${JSON.stringify(EVERYTHING)}, "stdio"]`,
        ...sshBlock(sshd),
        '  - name: pets',
        '    openapi:',
        `      spec: ${SPECS.oas30}`,
        `      baseUrl: ${api.origin}/v1`,
        '',
      ].join('\n'),
    );
    const applied = await gridctl(sb, ['apply', file, '--port', String(port)]);
    expect(applied.stderr).not.toMatch(/Error|failed/);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/local\s+local\s+stdio\s+healthy/);
    expect(applied.stdout).toMatch(/remote\s+ssh\s+stdio\s+healthy/);
    expect(applied.stdout).toMatch(/pets\s+openapi\s+openapi\s+healthy/);
    expect(sshd.remoteProcesses().length).toBeGreaterThan(0);

    const client = new Client({ name: 'kinds-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('local__echo');
    expect(names).toContain('remote__echo');
    expect(names).toContain('pets__listPets');
    const before = api.requests.length;
    const pets = await client.callTool({ name: 'pets__listPets', arguments: {} });
    expect(pets.isError).toBeFalsy();
    expect(api.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/pets']);
    const echoed = await client.callTool({ name: 'remote__echo', arguments: { message: 'over ssh' } });
    expect(JSON.stringify(echoed.content)).toContain('over ssh');
    await client.close();

    expect((await gridctl(sb, ['destroy', 'kinds'])).code).toBe(0);
    await waitFor(() => sshd.remoteProcesses().length === 0, { what: 'remote processes to end' });
    expect(processesIn(sb.dir)).toEqual([]);
  });
});
