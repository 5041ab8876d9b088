// Start a Gateway fronting a conformance fixture (stdio, unprefixed) and print its MCP URL.
//   npx tsx test/conformance/serve.ts [port] [handshake|both]
import { tmpdir } from 'node:os';
import { Gateway } from '../../src/gateway/index.js';
import { createUpstream } from '../../src/upstream/index.js';
import { fixtureStdioCommand } from '../fixtures/conformance.js';
import { modernStdioCommand } from '../fixtures/modern.js';
import { tasksStdioCommand } from '../fixtures/tasks.js';

/**
 * `handshake`: our 2025 fixture alone. `both`: that fixture and, beside it, the 2026-07-28 fixture
 * (its input_required tools) and the tasks-extension fixture, reached with protocol_generation auto:
 * the suite's 2026 scenarios then exercise the gateway's stateless edge in front of both eras.
 */
export type FixtureSet = 'handshake' | 'both';

export async function startConformanceGateway(port = 0, set: FixtureSet = 'handshake') {
  const fixture = (name: string, command: string[]) => ({
    name,
    unprefixed: true,
    timeoutMs: 30_000,
    protocolGeneration: 'auto' as const,
    createClient: () => createUpstream({ transport: 'stdio', command, cwd: tmpdir() }, name),
  });
  const servers = [fixture('fixture', fixtureStdioCommand())];
  if (set === 'both') {
    servers.push(fixture('modern', modernStdioCommand()));
    // The tasks extension's scenario tools (greet, slow_compute, ...), on a 2026 server of its own.
    servers.push(fixture('tasks', tasksStdioCommand()));
  }
  const gateway = new Gateway({
    name: 'gridctl-conformance',
    version: '0.0.0',
    stackName: 'conformance',
    servers,
  });
  const addr = await gateway.listen({ port });
  await gateway.start();
  const want: Record<string, string> = { fixture: 'handshake', modern: 'stateless', tasks: 'stateless' };
  for (const st of gateway.status()) {
    if (st.state !== 'healthy') throw new Error(`${st.name} did not start: ${st.reason}`);
    if (st.era !== want[st.name]) throw new Error(`${st.name} speaks ${st.era}, expected ${want[st.name]}`);
  }
  return { gateway, url: addr.url };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const set = (process.argv[3] ?? 'handshake') as FixtureSet;
  const { gateway, url } = await startConformanceGateway(Number(process.argv[2] ?? 0), set);
  console.log(url);
  const stop = () => void gateway.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
