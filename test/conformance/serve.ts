// Start a Gateway fronting the conformance fixture (stdio, unprefixed) and print its MCP URL.
//   npx tsx test/conformance/serve.ts [port]
import { tmpdir } from 'node:os';
import { Gateway } from '../../src/gateway/index.js';
import { createUpstream } from '../../src/upstream/index.js';
import { fixtureStdioCommand } from '../fixtures/conformance.js';

export async function startConformanceGateway(port = 0) {
  const gateway = new Gateway({
    name: 'gridctl-conformance',
    version: '0.0.0',
    stackName: 'conformance',
    servers: [
      {
        name: 'fixture',
        unprefixed: true,
        timeoutMs: 30_000,
        createClient: () =>
          createUpstream({ transport: 'stdio', command: fixtureStdioCommand(), cwd: tmpdir() }, 'fixture'),
      },
    ],
  });
  const addr = await gateway.listen({ port });
  await gateway.start();
  const st = gateway.status()[0];
  if (st?.state !== 'healthy') throw new Error(`fixture did not start: ${st?.reason}`);
  return { gateway, url: addr.url };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { gateway, url } = await startConformanceGateway(Number(process.argv[2] ?? 0));
  console.log(url);
  const stop = () => void gateway.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
