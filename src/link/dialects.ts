// The one table of LLM clients gridctl can link: where each keeps its MCP servers, under which key,
// in what shape, in what format. docs/clients.md lists the same clients with the source of each
// shape; test/link/dialects.test.ts round-trips every one.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { closest } from '../config/suggest.js';
import { LinkError } from './errors.js';
import type { Container, Format } from './formats.js';

/** Where the user's files are: HOME and the variables clients read, the platform, the project. */
export interface ClientEnv {
  home: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** The project folder (for project-scoped clients). */
  cwd: string;
}

/** One file a client may keep its servers in, and how they are written there. */
export interface Target {
  file: string;
  format: Format;
  /** Key path of the container inside the file. */
  key: readonly string[];
  container: Container;
  /** The entry that points the client at `url` (named `name`). */
  entry(url: string, name: string): Record<string, unknown>;
  /** Older key paths of the same file that import also reads (entries are never written there). */
  alsoRead?: readonly (readonly string[])[];
}

export interface Dialect {
  slug: string;
  name: string;
  /** Candidate files, preferred first; the first that exists is used, else the first. */
  targets(ce: ClientEnv): Target[];
  /** Installed: one of its files, or the folder the first would live in, exists. */
  detect?(ce: ClientEnv): boolean;
  /** Printed after a link (e.g. the app reads its file only at start). */
  note?: string;
  /** Where the entry shape was checked (docs/clients.md). */
  source: string;
}

const isWin = (ce: ClientEnv) => ce.platform === 'win32';
const isMac = (ce: ClientEnv) => ce.platform === 'darwin';

/** The per-user application data folder: Application Support, %APPDATA% or $XDG_CONFIG_HOME. */
function appData(ce: ClientEnv): string {
  if (isMac(ce)) return join(ce.home, 'Library', 'Application Support');
  if (isWin(ce)) return ce.env.APPDATA ?? join(ce.home, 'AppData', 'Roaming');
  return xdgConfig(ce);
}

function xdgConfig(ce: ClientEnv): string {
  return ce.env.XDG_CONFIG_HOME || join(ce.home, '.config');
}

/** VS Code's user folder (Cline and Roo keep their settings in its globalStorage). */
const vscodeUser = (ce: ClientEnv) => join(appData(ce), 'Code', 'User');

const json = (file: string, key: string[], entry: Target['entry'], container: Container = 'map'): Target => ({
  file,
  format: 'json',
  key,
  container,
  entry,
});

const httpTyped = (url: string) => ({ type: 'http', url });

export const DIALECTS: readonly Dialect[] = [
  {
    slug: 'claude',
    name: 'Claude Desktop',
    // Claude Desktop starts local (stdio) servers only; mcp-remote bridges to the HTTP endpoint.
    targets: (ce) => [
      json(join(appData(ce), 'Claude', 'claude_desktop_config.json'), ['mcpServers'], (url) => ({
        command: 'npx',
        args: ['-y', 'mcp-remote', url, '--allow-http'],
      })),
    ],
    note: 'restart Claude Desktop to load it (the bridge needs Node.js and npx)',
    source:
      'https://support.claude.com/en/articles/11503834 (Claude Desktop does not connect to remote servers put in claude_desktop_config.json, only to local ones: hence the stdio mcp-remote bridge under mcpServers)',
  },
  {
    slug: 'claude-code',
    name: 'Claude Code (user scope)',
    targets: (ce) => [
      json(join(ce.env.CLAUDE_CONFIG_DIR || ce.home, '.claude.json'), ['mcpServers'], httpTyped),
    ],
    detect: (ce) =>
      existsSync(join(ce.env.CLAUDE_CONFIG_DIR || ce.home, '.claude.json')) ||
      existsSync(join(ce.env.CLAUDE_CONFIG_DIR || ce.home, '.claude')),
    source:
      '`claude mcp add -s user --transport http` of @anthropic-ai/claude-code 2.1.328 writes this entry',
  },
  {
    slug: 'claude-code-project',
    name: 'Claude Code (project scope)',
    targets: (ce) => [json(join(ce.cwd, '.mcp.json'), ['mcpServers'], httpTyped)],
    detect: (ce) => existsSync(join(ce.cwd, '.mcp.json')),
    note: 'Claude Code asks once per project before it uses servers from .mcp.json',
    source:
      'https://code.claude.com/docs/en/mcp (project scope: .mcp.json in the project root, mcpServers, type http with url)',
  },
  {
    slug: 'codex',
    name: 'OpenAI Codex CLI',
    targets: (ce) => [
      {
        file: join(ce.env.CODEX_HOME || join(ce.home, '.codex'), 'config.toml'),
        format: 'toml',
        key: ['mcp_servers'],
        container: 'map',
        entry: (url) => ({ url }),
      },
    ],
    source: '`codex mcp add NAME --url URL` of @openai/codex 0.169.0 writes this table',
  },
  {
    slug: 'copilot',
    name: 'GitHub Copilot CLI',
    targets: (ce) => [
      json(
        join(ce.env.COPILOT_HOME || join(ce.home, '.copilot'), 'mcp-config.json'),
        ['mcpServers'],
        (url) => ({
          type: 'http',
          url,
          tools: ['*'],
        }),
      ),
    ],
    source:
      'https://docs.github.com/en/copilot/how-tos/copilot-cli/customize-copilot/add-mcp-servers ($COPILOT_HOME/mcp-config.json, else ~/.copilot)',
  },
  {
    slug: 'cursor',
    name: 'Cursor',
    targets: (ce) => [json(join(ce.home, '.cursor', 'mcp.json'), ['mcpServers'], (url) => ({ url }))],
    source: 'https://docs.cursor.com/context/model-context-protocol (remote server: url)',
  },
  {
    slug: 'windsurf',
    name: 'Windsurf',
    targets: (ce) => [
      json(join(ce.home, '.codeium', 'windsurf', 'mcp_config.json'), ['mcpServers'], (url) => ({
        serverUrl: url,
      })),
    ],
    source: 'https://docs.windsurf.com/windsurf/cascade/mcp (serverUrl for streamable HTTP)',
  },
  {
    slug: 'vscode',
    name: 'VS Code (GitHub Copilot)',
    // The user-level mcp.json sits in VS Code's user folder (not ~/.vscode, which holds extensions).
    targets: (ce) => [json(join(vscodeUser(ce), 'mcp.json'), ['servers'], httpTyped)],
    source:
      'https://code.visualstudio.com/docs/agents/reference/mcp-configuration (mcp.json in the user profile, top-level servers; http type with url)',
  },
  {
    slug: 'gemini',
    name: 'Gemini CLI',
    targets: (ce) => [json(join(ce.home, '.gemini', 'settings.json'), ['mcpServers'], httpTyped)],
    source:
      '`gemini mcp add -s user --transport http` of @google/gemini-cli 0.61.0 writes {url, type: "http"} (not httpUrl); https://geminicli.com/docs/tools/mcp-server documents mcpServers in settings.json but still shows httpUrl',
  },
  {
    slug: 'antigravity',
    name: 'Antigravity',
    targets: (ce) =>
      [join(ce.home, '.gemini', 'config'), join(ce.home, '.gemini', 'antigravity')].map((dir) =>
        json(join(dir, 'mcp_config.json'), ['mcpServers'], (url) => ({ serverUrl: url })),
      ),
    detect: (ce) =>
      existsSync(join(ce.home, '.gemini', 'config', 'mcp_config.json')) ||
      existsSync(join(ce.home, '.gemini', 'antigravity')),
    note: 'Antigravity uses at most 100 tools: link a --group or use code mode for bigger stacks',
    source:
      "no public Antigravity documentation found: the shape is the reference design's (gridctl v0.1.0-rc.3), and third-party setup guides agree on mcp_config.json with serverUrl (not url), e.g. https://github.com/langchain-ai/docs/pull/1609",
  },
  {
    slug: 'opencode',
    name: 'OpenCode',
    // OpenCode 2 keeps servers under mcp.servers; version 1 kept them straight under mcp.
    targets: (ce) =>
      ['opencode.json', 'opencode.jsonc'].map((f) => ({
        ...json(join(isWin(ce) ? appData(ce) : xdgConfig(ce), 'opencode', f), ['mcp', 'servers'], (url) => ({
          type: 'remote',
          url,
        })),
        alsoRead: [['mcp']],
      })),
    source:
      'https://opencode.ai/docs/mcp-servers/ (V2: mcp.servers, type "remote"; V1 entries under mcp are imported)',
  },
  {
    slug: 'grok',
    name: 'Grok Build',
    targets: (ce) => [
      {
        file: join(ce.env.GROK_HOME || join(ce.home, '.grok'), 'config.toml'),
        format: 'toml',
        key: ['mcp_servers'],
        container: 'map',
        // Grok's docs give a remote server as url (+ headers) only; the reference added type and enabled.
        entry: (url) => ({ url }),
      },
    ],
    source:
      'https://docs.x.ai/build/features/mcp-servers ([mcp_servers.NAME] with url in ~/.grok/config.toml; $GROK_HOME moves it)',
  },
  {
    slug: 'continue',
    name: 'Continue',
    // config.yaml is Continue's current format (a list of servers); config.json the legacy one.
    targets: (ce) => [
      {
        file: join(ce.home, '.continue', 'config.yaml'),
        format: 'yaml',
        key: ['mcpServers'],
        container: 'list',
        entry: (url, name) => ({ name, type: 'streamable-http', url }),
      },
      json(
        join(ce.home, '.continue', 'config.json'),
        ['experimental', 'modelContextProtocolServers'],
        (url, name) => ({ name, transport: { type: 'streamable-http', url } }),
        'list',
      ),
    ],
    source:
      'https://docs.continue.dev/customize/deep-dives/mcp (config.yaml mcpServers list of name, type sse|stdio|streamable-http, url)',
  },
  {
    slug: 'cline',
    name: 'Cline',
    // The VS Code extension's file, then the Cline CLI's (CLINE_MCP_SETTINGS_PATH moves it).
    targets: (ce) =>
      [
        join(
          vscodeUser(ce),
          'globalStorage',
          'saoudrizwan.claude-dev',
          'settings',
          'cline_mcp_settings.json',
        ),
        ce.env.CLINE_MCP_SETTINGS_PATH ||
          join(ce.home, '.cline', 'data', 'settings', 'cline_mcp_settings.json'),
      ].map((file) =>
        // Cline's list of tools run without asking is autoApprove (Roo's is alwaysAllow).
        json(file, ['mcpServers'], (url) => ({
          type: 'streamableHttp',
          url,
          disabled: false,
          autoApprove: [],
        })),
      ),
    source: 'https://docs.cline.bot/mcp/configuring-mcp-servers (type streamableHttp, autoApprove)',
  },
  {
    slug: 'roo',
    name: 'Roo Code',
    targets: (ce) => [
      json(
        join(vscodeUser(ce), 'globalStorage', 'rooveterinaryinc.roo-cline', 'settings', 'mcp_settings.json'),
        ['mcpServers'],
        (url) => ({ type: 'streamable-http', url, disabled: false, alwaysAllow: [] }),
      ),
    ],
    source:
      'https://docs.roocode.com/features/mcp/using-mcp-in-roo (type streamable-http, url, alwaysAllow, disabled)',
  },
  {
    slug: 'anythingllm',
    name: 'AnythingLLM',
    targets: (ce) => [
      json(
        join(appData(ce), 'anythingllm-desktop', 'storage', 'plugins', 'anythingllm_mcp_servers.json'),
        ['mcpServers'],
        (url) => ({ type: 'streamable', url }),
      ),
    ],
    source:
      'https://docs.anythingllm.com/mcp-compatibility/desktop (plugins/anythingllm_mcp_servers.json; type streamable with url, as the MCP hypervisor of Mintplex-Labs/anything-llm reads it)',
  },
  {
    slug: 'lmstudio',
    name: 'LM Studio',
    // No `type`: LM Studio's editor drops keys it does not know.
    targets: (ce) => [json(join(ce.home, '.lmstudio', 'mcp.json'), ['mcpServers'], (url) => ({ url }))],
    note: 'LM Studio models handle few tools well: consider a --group or code mode',
    source: "https://lmstudio.ai/docs/app/mcp (mcp.json in Cursor's notation: url, headers)",
  },
  {
    slug: 'zed',
    name: 'Zed',
    targets: (ce) => [
      json(
        isWin(ce) ? join(appData(ce), 'Zed', 'settings.json') : join(xdgConfig(ce), 'zed', 'settings.json'),
        ['context_servers'],
        (url) => ({ url }),
      ),
    ],
    source: 'https://zed.dev/docs/ai/mcp (context_servers, remote url)',
  },
  {
    slug: 'goose',
    name: 'Goose',
    targets: (ce) => [
      {
        file: isWin(ce)
          ? join(appData(ce), 'Block', 'goose', 'config', 'config.yaml')
          : join(xdgConfig(ce), 'goose', 'config.yaml'),
        format: 'yaml',
        key: ['extensions'],
        container: 'map',
        entry: (url, name) => ({ name, type: 'streamable_http', enabled: true, timeout: 300, uri: url }),
      },
    ],
    source:
      'https://block.github.io/goose/docs/guides/config-files (extensions map; type streamable_http with name, enabled, uri, timeout)',
  },
];

export const CLIENT_SLUGS = DIALECTS.map((d) => d.slug);

export function dialectOf(slug: string): Dialect | undefined {
  return DIALECTS.find((d) => d.slug === slug);
}

/** The file a dialect uses now: the first candidate that exists, else the preferred one. */
export function targetOf(d: Dialect, ce: ClientEnv): Target {
  const all = d.targets(ce);
  return all.find((t) => existsSync(t.file)) ?? all[0]!;
}

export function detected(d: Dialect, ce: ClientEnv): boolean {
  if (d.detect) return d.detect(ce);
  return d.targets(ce).some((t) => existsSync(t.file) || existsSync(dirname(t.file)));
}

/** The client environment of this process (HOME from env first, so tests can move it). */
export function clientEnv(env: NodeJS.ProcessEnv, cwd: string, home?: string): ClientEnv {
  return {
    home: home ?? (env.HOME || env.USERPROFILE || homedir()),
    env,
    platform: process.platform,
    cwd,
  };
}

/** The dialect of a slug, or a LinkError naming the closest slug and every known one. */
export function resolveClient(slug: string): Dialect {
  const d = dialectOf(slug);
  if (d) return d;
  const near = closest(slug, CLIENT_SLUGS);
  throw new LinkError(
    'LINK_UNKNOWN_CLIENT',
    `unknown client "${slug}"${near ? `; did you mean "${near}"?` : ''} (clients: ${CLIENT_SLUGS.join(', ')})`,
  );
}
