// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are spec-file expansion syntax
// `${NAME}` in an OpenAPI spec file is expanded from the environment at apply, and `apply
// --no-expand` reads the file as written (as the reference does), through a real daemon and MCP client.
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PetStoreApi, SPECS, startPetStore } from '../fixtures/openapi/petstore-api.js';
import { freePort } from '../support/net.js';
import { gridctl, type Sandbox, sandbox } from './cli.js';

describe('apply --no-expand', () => {
  let api: PetStoreApi;
  let sb: Sandbox;
  let stack: string;

  beforeAll(async () => {
    api = await startPetStore();
    sb = sandbox();
    sb.env.PETS_ORIGIN = api.origin;
    delete sb.env.PETS_SHOP;
    const spec = readFileSync(SPECS.oas30, 'utf8')
      .replace('http://petstore.invalid/v1', '${PETS_ORIGIN}/v1')
      .replace('Returns pets, optionally filtered by tag.', 'Pets of ${PETS_SHOP:-the corner shop}.');
    sb.write('pets.json', spec);
    stack = sb.write(
      'stack.yaml',
      'name: noexp\nmcp-servers:\n  - name: pets\n    openapi:\n      spec: pets.json\n',
    );
  });

  afterAll(async () => {
    await gridctl(sb, ['destroy', 'noexp']).catch(() => undefined);
    await api?.close();
  });

  async function listPetsDescription(port: number): Promise<string | undefined> {
    const client = new Client({ name: 'no-expand-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    try {
      const tools = (await client.listTools()).tools;
      const call = await client.callTool({ name: 'pets__listPets', arguments: {} });
      expect(call.isError).toBeFalsy();
      return tools.find((t) => t.name === 'pets__listPets')?.description;
    } finally {
      await client.close();
    }
  }

  it('expands ${NAME} and ${NAME:-default} in a spec file by default', async () => {
    const port = await freePort();
    const before = api.requests.length;
    const applied = await gridctl(sb, ['apply', stack, '--port', String(port)]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/pets\s+openapi\s+openapi\s+healthy/);
    expect(await listPetsDescription(port)).toContain('Pets of the corner shop.');
    expect(api.requests.length).toBeGreaterThan(before); // the expanded servers[0].url was called
    expect((await gridctl(sb, ['destroy', 'noexp'])).code).toBe(0);
  });

  it('--no-expand keeps the spec as written, so its templated server URL is refused', async () => {
    const port = await freePort();
    const applied = await gridctl(sb, ['apply', stack, '--port', String(port), '--no-expand']);
    expect(applied.code).toBe(0); // a failed server does not fail the apply without --strict
    expect(applied.stdout).toMatch(/pets\s+openapi\s+openapi\s+failed/);
    expect(applied.stdout).toContain('${PETS_ORIGIN}/v1');
    expect((await gridctl(sb, ['destroy', 'noexp'])).code).toBe(0);
  });
});
