// The stack file schema: the one source of truth. It yields the TypeScript types (z.output), the shape
// validation the loader runs, and schema/stack.schema.json for editors. Objects are strict so editors
// flag typos; the loader turns unknown keys into warnings (the reference ignores them) — see load.ts.
// Rules that span fields (kinds, cross references) live in semantics.ts, which JSON Schema cannot
// express.
import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';
import { NAME_MAX } from './names.js';

/** YAML scalars that a Go string field accepts: `PORT: 8080` and `DEBUG: true` are strings there. */
const scalarString = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => String(v))
  .meta({ description: 'A string; numbers and booleans are read as their text.' });

const stringMap = z.record(z.string(), scalarString);

const duration = (description: string) =>
  z.string().regex(DURATION_PATTERN, { error: 'must be a duration like "30s", "1m30s" or "500ms"' }).meta({
    description,
  });

const outputFormat = z.enum(['json', 'toon', 'csv', 'text']);

// ---- gateway -------------------------------------------------------------------------------------

const gatewayAuth = z
  .strictObject({
    type: z.enum(['bearer', 'api_key', 'oauth']).meta({
      description:
        '`bearer` (Authorization: Bearer), `api_key`, or `oauth` (JWT access tokens of an identity provider; docs/oauth.md).',
    }),
    token: z
      .string()
      .min(1)
      .optional()
      // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
      .meta({ description: 'bearer/api_key: expected token; use ${VAR} or ${var:KEY}.' }),
    header: z.string().min(1).optional().meta({ description: 'Header for api_key (default Authorization).' }),
    client_tokens: z.record(z.string().min(1), z.string().min(1)).optional().meta({
      description:
        'More tokens, each naming its client: client id → token. A session opened with one is that client (scope, limits), whatever ?client= or X-Gridctl-Client-Id say.',
    }),
    issuer: z.string().min(1).optional().meta({ description: 'oauth: the identity provider (its `iss`).' }),
    audience: z.string().min(1).optional().meta({
      description:
        "oauth: this gateway's resource identifier, its public /mcp URL; tokens must carry it in `aud`.",
    }),
    scopes: z
      .array(z.string().min(1))
      .optional()
      .meta({ description: 'oauth: scopes every token must hold.' }),
    jwks_uri: z.string().min(1).optional().meta({
      description: "oauth: where the provider's signing keys are (default: from the issuer's metadata).",
    }),
    client_claim: z.string().min(1).optional().meta({
      description:
        'oauth: the token claim that names the client for `clients:` profiles (default client_id, then azp, then sub).',
    }),
  })
  .meta({ description: 'Inbound authentication for every gateway endpoint except /health and /ready.' });

const tracing = z.strictObject({
  enabled: z.boolean().default(true),
  sampling: z.number().min(0).max(1).default(1).meta({ description: 'Head sampling rate 0..1.' }),
  retention: duration('How long finished traces stay in memory.').default('24h'),
  export: z.enum(['', 'otlp']).default(''),
  endpoint: z.string().default(''),
  max_traces: z.number().int().min(0).default(1000),
  include_infra: z.boolean().default(false),
});

// gridctl addition: the reference has no Prometheus endpoint.
const metrics = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: 'Serve GET /metrics (Prometheus text format).' }),
    listen: z
      .string()
      .regex(/^(127\.0\.0\.1|localhost|\[::1\]):[0-9]{1,5}$/, {
        error: 'must be a loopback address and port, e.g. "127.0.0.1:9464"',
      })
      .optional()
      .meta({
        description:
          'Also serve /metrics on this loopback address without gateway auth, for a local scraper (e.g. "127.0.0.1:9464").',
      }),
    client_labels: z.number().int().min(1).max(10_000).default(50).meta({
      description:
        'Distinct client ids that get a label of their own; later ones are counted as "_other". Profiles under `clients:` always get one.',
    }),
  })
  .meta({ description: 'Prometheus metrics (docs/observability.md).' });

const schemaPinning = z.strictObject({
  enabled: z.boolean().default(true),
  action: z.enum(['warn', 'block']).default('warn'),
  scan: z.boolean().default(true),
  scan_ignore: z
    .array(z.string().regex(/^[Pp][0-9]{3}$/, { error: 'must be a finding code like "P004"' }))
    .default([]),
});

const gateway = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .default('gridctl-gateway')
      .meta({ description: 'serverInfo.name on initialize.' }),
    bind: z.string().min(1).default('127.0.0.1'),
    insecure_allow_unauthenticated: z.boolean().default(false),
    // Empty = loopback origins only. The reference defaults to "*", which lets any web page drive a
    // local gateway from the user's browser; ours must be opted into.
    allowed_origins: z.array(z.string()).default([]).meta({
      description: 'Browser origins allowed besides loopback ones; "*" allows any (not recommended).',
    }),
    allowed_hosts: z.array(z.string()).default([]),
    auth: gatewayAuth.optional(),
    // Sessions (docs/gateway.md, Sessions). Unset = the gateway's defaults, kept in one place there.
    session_idle_timeout: duration(
      'Close a client session idle this long (no open stream, no request in flight); "0" = never. Default 30m.',
    ).optional(),
    max_sessions: z.number().int().min(1).optional().meta({
      description:
        'Client sessions at most (default 1000). When full, the least recently used idle session is evicted; a session with an open stream or a request in flight never is.',
    }),
    max_sessions_per_client: z.number().int().min(1).optional().meta({
      description:
        'Sessions of one client (its ?client= id, X-Gridctl-Client-Id or clientInfo.name) at most, evicted the same way within that client; refused when all of them are live. Default: max_sessions (no cap of its own).',
    }),
    // A 2026-07-28 client calling a 2025 server gets an upstream session per principal (docs/gateway.md).
    held_sessions: z
      .object({
        enabled: z.boolean().default(true).meta({
          description:
            "Carry a stateless client's calls to a handshake-era server on an upstream session of the client's principal, so the server's mid-call questions reach only that client. false: the shared connection (questions that name no call are then refused while several clients call the server).",
        }),
        max_per_server: z.number().int().min(1).max(256).default(8).meta({
          description:
            'Held sessions per server at most; past it the least recently used idle one closes, and with none idle the call uses the shared connection.',
        }),
        idle_timeout: duration(
          'Close a held session with no call open after this long. Default 60s.',
        ).optional(),
      })
      .strict()
      .optional(),
    code_mode: z.enum(['off', 'on']).default('off'),
    code_mode_timeout: z.number().int().min(0).default(30).meta({ description: 'Seconds; 0 means 30.' }),
    code_mode_memory_mb: z
      .number()
      .int()
      .min(1)
      .max(4096)
      .optional()
      .meta({ description: 'MiB of interpreter heap for one code-mode execute. Default: 64.' }),
    output_format: outputFormat.default('json'),
    maxToolResultBytes: z.number().int().min(0).default(65536).meta({ description: 'Bytes; 0 means 65536.' }),
    security: z.strictObject({ schema_pinning: schemaPinning.prefault({}) }).prefault({}),
    tokenizer: z.enum(['embedded', 'api']).default('embedded'),
    tokenizer_api_key: z.string().optional(),
    tracing: tracing.prefault({}),
    metrics: metrics.optional(),
  })
  .meta({ description: 'The gateway: listen address, auth, output shaping.' });

// ---- logging, telemetry, secrets, networks ------------------------------------------------------

const logging = z.strictObject({
  file: z.string().optional(),
  maxSizeMB: z.number().int().min(0).default(100),
  maxAgeDays: z.number().int().min(0).default(7),
  maxBackups: z.number().int().min(0).default(3),
});

const persist = z.strictObject({
  logs: z.boolean().default(false),
  metrics: z.boolean().default(false),
  traces: z.boolean().default(false),
});

const telemetry = z.strictObject({
  persist: persist.prefault({}),
  retention: z
    .strictObject({
      max_size_mb: z.number().int().min(1).max(1_048_576).default(100),
      max_backups: z.number().int().min(1).max(1024).default(5),
      max_age_days: z.number().int().min(1).max(3650).default(7),
    })
    .prefault({}),
});

const serverTelemetry = z.strictObject({
  persist: z
    .strictObject({
      logs: z.boolean().optional(),
      metrics: z.boolean().optional(),
      traces: z.boolean().optional(),
    })
    .optional(),
});

const secretSet = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1),
    servers: z.array(z.string()).optional(),
    resources: z.array(z.string()).optional(),
  }),
]);

const secrets = z.strictObject({ sets: z.array(secretSet).default([]) });

const networkDriver = z.enum(['bridge', 'host', 'none']);
const network = z.strictObject({
  name: z.string().min(1).optional().meta({ description: 'Default "<stack name>-net".' }),
  driver: networkDriver.default('bridge'),
});
const namedNetwork = z.strictObject({ name: z.string().min(1), driver: networkDriver.default('bridge') });

// ---- servers ------------------------------------------------------------------------------------

const source = z.strictObject({
  type: z.enum(['git', 'local']),
  url: z.string().min(1).optional(),
  ref: z.string().min(1).optional().meta({ description: 'Git branch, tag or commit (default main).' }),
  path: z.string().min(1).optional().meta({ description: 'Local folder, relative to the stack file.' }),
  dockerfile: z.string().min(1).default('Dockerfile'),
  auth: z
    .strictObject({
      method: z.enum(['', 'none', 'token', 'ssh-agent', 'ssh-key']).default('none'),
      credential_ref: z
        .string()
        .optional()
        // biome-ignore lint/suspicious/noTemplateCurlyInString: stack-file expansion syntax, not a template
        .meta({ description: 'e.g. ${var:GIT_TOKEN}; resolved at clone time.' }),
      ssh_user: z.string().default('git'),
      ssh_key_path: z.string().optional(),
    })
    .optional(),
});

const ssh = z.strictObject({
  host: z.string().min(1),
  user: z.string().min(1),
  port: z.number().int().min(0).max(65535).default(22),
  identityFile: z.string().optional(),
  knownHostsFile: z
    .string()
    .optional()
    .meta({ description: 'Enables strict host-key checking; must exist.' }),
  jumpHost: z.string().optional().meta({ description: '[user@]host[:port]' }),
});

const openapiAuth = z.strictObject({
  type: z.enum(['bearer', 'header', 'query', 'oauth2', 'basic']),
  tokenEnv: z.string().optional(),
  header: z.string().optional(),
  valueEnv: z.string().optional(),
  paramName: z.string().optional(),
  clientIdEnv: z.string().optional(),
  clientSecretEnv: z.string().optional(),
  tokenUrl: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  usernameEnv: z.string().optional(),
  passwordEnv: z.string().optional(),
});

const openapi = z.strictObject({
  spec: z
    .string()
    .min(1)
    .meta({ description: 'URL or file (relative to the stack file) of the OpenAPI spec.' }),
  baseUrl: z.string().optional(),
  auth: openapiAuth.optional(),
  tls: z
    .strictObject({
      certFile: z.string().optional(),
      keyFile: z.string().optional(),
      caFile: z.string().optional(),
      insecureSkipVerify: z.boolean().default(false),
    })
    .optional(),
  operations: z
    .strictObject({ include: z.array(z.string()).optional(), exclude: z.array(z.string()).optional() })
    .optional(),
});

const serverAuth = z.strictObject({
  type: z.enum(['bearer', 'header', 'oauth']),
  token: z.string().optional(),
  header: z.string().optional(),
  value: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  grant: z.enum(['authorization_code', 'client_credentials']).optional().meta({
    description:
      'oauth: `authorization_code` (default; a person signs in with `gridctl auth login`) or `client_credentials` (machine to machine: needs client_id and client_secret).',
  }),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});

const autoscale = z.strictObject({
  min: z.number().int().min(0),
  max: z.number().int().min(1).max(32),
  target_in_flight: z.number().int().min(1),
  scale_up_after: duration('Sustained load before scaling up (≥10s).').default('30s'),
  scale_down_after: duration('Sustained calm before scaling down (≥1m).').default('5m'),
  warm_pool: z.number().int().min(0).default(0),
  idle_to_zero: z.boolean().default(false),
  tick: duration('How often the autoscaler decides (gridctl addition; default 10s).').optional(),
  drain_timeout: duration(
    'Longest wait for a replica chosen for removal to finish its calls; then it is put back (gridctl addition; default 30s).',
  ).optional(),
});

const mcpServer = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(NAME_MAX.server)
      .meta({
        description: `Unique; tools are exposed as <name>__<tool>. At most ${NAME_MAX.server} characters.`,
      }),
    image: z.string().min(1).optional().meta({ description: 'Container image (kind: container).' }),
    source: source.optional().meta({ description: 'Build the container from git or a local folder.' }),
    url: z.string().min(1).optional().meta({ description: 'Remote MCP endpoint (kind: external).' }),
    transport: z
      .enum(['', 'http', 'sse', 'stdio'])
      .optional()
      .meta({ description: 'container: http|sse|stdio; external: http|sse; local/ssh: stdio.' }),
    port: z.number().int().min(1).max(65535).optional().meta({ description: 'Container port (http/sse).' }),
    command: z.array(scalarString).optional().meta({
      description: 'argv: local process (cwd = stack folder), ssh remote command, or container CMD.',
    }),
    env: stringMap.optional(),
    pass_env: z
      .array(
        z.string().regex(/^(?!GRIDCTL_)[A-Za-z_][A-Za-z0-9_]*\*?$/, {
          error:
            'must be a variable name like HTTPS_PROXY or a prefix like AWS_* (GRIDCTL_* variables are never passed to servers)',
        }),
      )
      .optional()
      .meta({
        description:
          'Host variables to pass to this server on top of the basics every server gets (docs/variables.md); an entry ending in * is a prefix. Local processes, the local ssh client and containers (gridctl addition).',
      }),
    build_args: stringMap.optional(),
    network: z.string().min(1).optional(),
    ssh: ssh.optional(),
    openapi: openapi.optional(),
    auth: serverAuth.optional().meta({ description: 'Downstream auth; external servers only.' }),
    tools: z
      .array(z.string())
      .default([])
      .meta({ description: 'Whitelist of downstream tool names; [] = all.' }),
    output_format: outputFormat.optional(),
    pin_schemas: z.boolean().optional(),
    ready_timeout: duration(
      'Readiness wait of a container server (http/sse: answering on its port; stdio: answering initialize).',
    ).default('30s'),
    ping_timeout: duration('Deadline of one health ping.').default('5s'),
    timeout: duration('Deadline of one request to this server (gridctl addition).').default('60s'),
    unprefixed: z
      .boolean()
      .default(false)
      .meta({ description: 'Expose tools without the <server>__ prefix (gridctl addition).' }),
    protocol_generation: z.enum(['auto', 'handshake', 'stateless']).default('auto'),
    replicas: z.number().int().min(0).max(32).default(1).meta({ description: '1..32; 0 means 1.' }),
    replica_policy: z
      .enum(['round-robin', 'least-connections', 'session-affinity'])
      .default('round-robin')
      .meta({
        description:
          'How a call picks a replica: round-robin, least-connections (fewest in flight), or session-affinity (a client session sticks to one replica while it is healthy; gridctl addition).',
      }),
    autoscale: autoscale.optional(),
    telemetry: serverTelemetry.optional(),
  })
  .meta({
    description: 'One MCP server. Exactly one kind: image, source, url, command, ssh+command, openapi.',
  });

const resource = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(NAME_MAX.resource)
    .meta({ description: `Unique; also its DNS name. At most ${NAME_MAX.resource} characters.` }),
  image: z.string().min(1),
  env: stringMap.optional(),
  ports: z.array(z.string()).default([]).meta({ description: '"host:container", published on loopback.' }),
  volumes: z.array(z.string()).default([]),
  network: z.string().min(1).optional(),
});

// ---- policy blocks ------------------------------------------------------------------------------

const clients = z.strictObject({
  default: z.enum(['deny', 'allow']).default('deny'),
  profiles: z
    .record(
      z.string(),
      z.strictObject({
        aliases: z.array(z.string()).default([]),
        servers: z.array(z.string()).default([]),
        tools: z.array(z.string()).default([]),
      }),
    )
    .default({}),
});

const limits = z.strictObject({
  rate_limits: z
    .array(
      z.strictObject({
        client: z.string().optional(),
        server: z.string().optional(),
        tool: z.string().optional(),
        calls_per_minute: z.number().int().min(1),
        burst: z.number().int().min(0).default(0),
      }),
    )
    .default([]),
  budgets: z.unknown().optional().meta({ description: 'Legacy; ignored.' }),
});

const groupOverride = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  read_only_hint: z.boolean().optional(),
  destructive_hint: z.boolean().optional(),
  idempotent_hint: z.boolean().optional(),
  open_world_hint: z.boolean().optional(),
});

const group = z.strictObject({
  description: z.string().optional(),
  servers: z.array(z.string()).default([]),
  tools: z.array(z.string()).default([]),
  exclude: z.array(z.string()).default([]),
  overrides: z.record(z.string(), groupOverride).default({}),
});

const skills = z.strictObject({
  default: z.enum(['allow', 'deny']).default('allow'),
  allow: z.array(z.string()).default([]),
  deny: z.array(z.string()).default([]),
});

export const LINK_CLIENTS = [
  'claude',
  'claude-code',
  'cursor',
  'windsurf',
  'vscode',
  'gemini',
  'antigravity',
  'opencode',
  'grok',
  'continue',
  'cline',
  'anythingllm',
  'lmstudio',
  'roo',
  'zed',
  'goose',
  // Beyond the reference's 16 (src/link/dialects.ts has them all).
  'claude-code-project',
  'codex',
  'copilot',
] as const;

const linkEntry = z.union([
  z.enum(LINK_CLIENTS),
  z.strictObject({
    client: z.enum(LINK_CLIENTS),
    group: z.string().optional(),
    client_id: z.string().optional(),
    name: z.string().optional(),
  }),
]);

// ---- the stack ----------------------------------------------------------------------------------

export const stackSchema = z
  .strictObject({
    version: scalarString.default('1'),
    name: z
      .string()
      .min(1)
      .max(NAME_MAX.stack)
      .meta({
        description: `Stack name: container, network, state and log names. At most ${NAME_MAX.stack} characters.`,
      }),
    extends: z.string().min(1).optional().meta({ description: 'Parent stack file, relative to this file.' }),
    gateway: gateway.optional(),
    logging: logging.optional(),
    telemetry: telemetry.optional(),
    secrets: secrets.optional(),
    network: network.optional().meta({ description: 'Simple network mode (default "<name>-net", bridge).' }),
    networks: z.array(namedNetwork).optional().meta({ description: 'Advanced mode; excludes `network`.' }),
    'mcp-servers': z.array(mcpServer).default([]),
    resources: z.array(resource).default([]),
    clients: clients.optional(),
    limits: limits.optional(),
    groups: z.record(z.string(), group).optional(),
    skills: skills.optional(),
    model_preferences: z.record(z.string(), z.unknown()).optional(),
    link: z.array(linkEntry).optional(),
    experimental: z.record(z.string(), z.boolean()).optional(),
  })
  .meta({
    title: 'gridctl stack',
    description: 'A gridctl stack: MCP servers behind one gateway. Reference: docs/configuration.md',
  });

export type Stack = z.output<typeof stackSchema>;
export type McpServer = Stack['mcp-servers'][number];
export type Resource = Stack['resources'][number];
export type GatewayConfig = NonNullable<Stack['gateway']>;
export type ServerKind = 'container' | 'external' | 'ssh' | 'local' | 'openapi';
