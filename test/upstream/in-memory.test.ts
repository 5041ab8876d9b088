import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { InMemoryUpstream } from '../../src/upstream/in-memory.js';
import { createFixtureServer } from '../fixtures/conformance-server.js';
import { upstreamContract } from './contract.js';
import { directClient, fixtureShape } from './targets.js';

/** A fixture server whose timers stop with it. */
function fixture() {
  const { server, dispose } = createFixtureServer();
  return {
    connect: (t: Parameters<typeof server.connect>[0]) => server.connect(t),
    close: async () => {
      dispose();
      await server.close();
    },
  };
}

upstreamContract({
  ...fixtureShape,
  label: 'in-memory → conformance fixture',
  serverName: 'fixture',
  create: () => new InMemoryUpstream('fixture', fixture),
  direct: async () => {
    const [client, server] = InMemoryTransport.createLinkedPair();
    await fixture().connect(server);
    return directClient(client);
  },
});
