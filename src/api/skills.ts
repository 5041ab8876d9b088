// REST routes for the skills registry (docs/skills.md, docs/api.md):
//   GET  /api/skills                  every skill: state, source, problems, served now, reads since start
//   GET  /api/skills/<name>           one skill with its front matter, body and problems
//   POST /api/skills/<name>/activate  set state: active (409 while the skill has errors)
//   POST /api/skills/<name>/disable   set state: disabled
// POSTs want `Content-Type: application/json` (send `{}`) and an allowed Host and Origin.
// Changes edit the SKILL.md like `gridctl skill activate`; the registry is re-read at once, so the
// answer and the gateway's clients (list_changed) see the new state without waiting for the watcher.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SkillError } from '../skills/issues.js';
import { type SkillLibrary, summarize } from '../skills/library.js';
import type { SkillRegistry } from '../skills/registry.js';
import type { SkillState } from '../skills/skill-file.js';
import { ApiError, sendJson } from './errors.js';
import { checkChange, readBody } from './pins.js';

export interface SkillsView {
  list(): unknown;
  get(name: string): unknown;
  setState(name: string, state: SkillState): unknown;
  /** Host names accepted on changes besides loopback ones (the stack's gateway.allowed_hosts). */
  allowedHosts?(): readonly string[];
}

/** The registry as the API shows it: each skill with whether this gateway serves it and its reads. */
export function skillsView(
  registry: SkillRegistry,
  library: SkillLibrary,
  gateway: { servedSkills(): string[] },
  allowedHosts: () => readonly string[],
) {
  const row = (s: ReturnType<SkillRegistry['all']>['skills'][number], served: Set<string>) => {
    const summary = summarize(registry.dir, s);
    // A duplicate has an error, so only the copy the gateway serves counts as served.
    return {
      ...summary,
      served: summary.servable && served.has(s.name),
      usage: registry.usage()[s.name] ?? { count: 0 },
    };
  };
  return {
    allowedHosts,
    list: () => {
      const served = new Set(gateway.servedSkills());
      const snap = registry.all();
      return { dir: registry.dir, skills: snap.skills.map((s) => row(s, served)), issues: snap.issues };
    },
    get: (name: string) => {
      const s = library.get(name);
      return {
        ...row(s, new Set(gateway.servedSkills())),
        file: s.file,
        frontMatter: s.frontMatter,
        body: s.body,
        issues: s.issues,
      };
    },
    setState: (name: string, state: 'draft' | 'active' | 'disabled') => {
      const r = library.setState(name, state);
      registry.refresh();
      const s = registry.get(name);
      return { changed: r.changed, skill: s ? row(s, new Set(gateway.servedSkills())) : r.skill };
    },
  };
}

type Route = [
  method: string,
  pattern: RegExp,
  handler: (req: IncomingMessage, res: ServerResponse, url: URL, params: string[]) => Promise<void> | void,
];

function mapped<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SkillError) {
      const code =
        err.code === 'SKILL_NOT_FOUND'
          ? 'not_found'
          : err.code === 'SKILL_HAS_ERRORS'
            ? 'conflict'
            : 'bad_request';
      throw new ApiError(code, `${err.message} [${err.code}]`);
    }
    throw err;
  }
}

export function skillRoutes(view: { skills?: SkillsView }): Route[] {
  const skills = () => {
    if (!view.skills) throw new ApiError('not_found', 'this gateway has no skills registry');
    return view.skills;
  };
  return [
    ['GET', /^\/api\/skills$/, (_req, res) => sendJson(res, 200, skills().list())],
    [
      'GET',
      /^\/api\/skills\/([^/]+)$/,
      (_req, res, _url, [name]) =>
        sendJson(
          res,
          200,
          mapped(() => skills().get(decodeURIComponent(name!))),
        ),
    ],
    [
      'POST',
      /^\/api\/skills\/([^/]+)\/(activate|disable)$/,
      async (req, res, _url, [name, verb]) => {
        // The same checks as the pins' approve: a web page cannot flip a skill behind the user's back.
        checkChange(req, skills());
        await readBody(req);
        const state: SkillState = verb === 'activate' ? 'active' : 'disabled';
        sendJson(
          res,
          200,
          mapped(() => skills().setState(decodeURIComponent(name!), state)),
        );
      },
    ],
  ];
}
