// How each real server exposes the behaviours the contract checks (tool names, arguments, answers).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ContractTarget } from './contract.js';

type Shape = Omit<ContractTarget, 'label' | 'create' | 'serverName' | 'direct' | 'processBacked'>;

export const everythingShape: Shape = {
  expectedServerName: 'mcp-servers/everything',
  echo: { tool: 'echo', args: (message) => ({ message }), text: (m) => `Echo: ${m}` },
  image: { tool: 'get-tiny-image', args: {} },
  structured: {
    tool: 'get-structured-content',
    args: { location: 'New York' },
    structuredContent: { temperature: 33, conditions: 'Cloudy', humidity: 82 },
  },
  progress: { tool: 'trigger-long-running-operation', args: { duration: 0.6, steps: 4 }, count: 4 },
  progressReset: {
    tool: 'trigger-long-running-operation',
    args: { duration: 1.2, steps: 6 },
    timeoutMs: 500,
    minDurationMs: 1100,
  },
  slow: { tool: 'trigger-long-running-operation', args: { duration: 20, steps: 20 } },
  sampling: { tool: 'trigger-sampling-request', args: (prompt) => ({ prompt }) },
};

export const fixtureShape: Shape = {
  expectedServerName: 'gridctl-conformance-fixture',
  echo: { tool: 'echo', args: (text) => ({ text }), text: (t) => t },
  image: { tool: 'test_image_content', args: {} },
  structured: {
    tool: 'echo',
    args: { text: 'structured' },
    structuredContent: { text: 'structured', length: 10 },
    meta: { 'gridctl.test/echo': true },
  },
  progress: { tool: 'test_tool_with_progress', args: {}, count: 3 },
  progressReset: {
    tool: 'slow',
    args: { ms: 1200, progressEveryMs: 200 },
    timeoutMs: 500,
    minDurationMs: 1150,
  },
  slow: { tool: 'slow', args: { ms: 20_000, progressEveryMs: 200 } },
  sampling: { tool: 'test_sampling', args: (prompt) => ({ prompt }) },
  cancelledCount: { tool: 'cancelled_count' },
};

/** An SDK client over `transport`, advertising sampling like our tests do. */
export async function directClient(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'direct', version: '0.0.0' }, { capabilities: { sampling: {} } });
  await client.connect(transport);
  return client;
}
