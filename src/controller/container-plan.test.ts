import { describe, expect, it } from 'vitest';
import type { McpServer, Stack } from '../config/index.js';
import { networksToCreate, parsePortMapping, resolveVolume, transportOf } from './container-plan.js';
import { WorkloadError } from './container-types.js';

describe('container plan', () => {
  it('reads a port mapping; loopback unless an address is given; refuses a broken one with the fix', () => {
    expect(parsePortMapping('5432:5432')).toEqual({
      hostIp: '127.0.0.1',
      hostPort: 5432,
      containerPort: 5432,
    });
    expect(parsePortMapping('0.0.0.0:8080:80/tcp')).toEqual({
      hostIp: '0.0.0.0',
      hostPort: 8080,
      containerPort: 80,
    });
    expect(() => parsePortMapping('http:80')).toThrow(WorkloadError);
    expect(() => parsePortMapping('0:80')).toThrow(
      'port mapping "0:80": use "host:container", e.g. "5432:5432"',
    );
  });

  it('resolves path-like volume sources against the stack folder and keeps named volumes', () => {
    expect(resolveVolume('./data:/data', '/stacks/a')).toBe('/stacks/a/data:/data');
    expect(resolveVolume('pgdata:/var/lib/postgresql/data', '/stacks/a')).toBe(
      'pgdata:/var/lib/postgresql/data',
    );
  });

  it('creates only the bridge networks a stack names (host and none exist already)', () => {
    const stack = {
      networks: [
        { name: 'front', driver: 'bridge' },
        { name: 'hostnet', driver: 'host' },
        { name: 'off', driver: 'none' },
      ],
    } as unknown as Stack;
    expect(networksToCreate(stack).map((n) => n.name)).toEqual(['front']);
    expect(networksToCreate({} as Stack)).toEqual([]);
  });

  it('speaks http unless the server says sse or stdio', () => {
    expect(transportOf({ transport: 'stdio' } as McpServer)).toBe('stdio');
    expect(transportOf({ transport: 'sse' } as McpServer)).toBe('sse');
    expect(transportOf({} as McpServer)).toBe('http');
  });
});
