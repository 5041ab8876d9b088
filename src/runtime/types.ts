// The container engine as gridctl needs it: networks, images, containers, attach and logs. One
// implementation (docker-api.ts) speaks the Docker Engine HTTP API, which Docker and Podman's
// compatible socket both serve. Everything above this file is engine-agnostic.
import type { Readable, Writable } from 'node:stream';

export type RuntimeKind = 'docker' | 'podman';

export interface RuntimeInfo {
  kind: RuntimeKind;
  /** Unix socket path of the engine API. */
  socket: string;
  /** How the socket was found: `--runtime`, `GRIDCTL_RUNTIME`, `DOCKER_HOST`, `docker context`, `default`. */
  source: string;
  /** Engine version as reported by /version. */
  version: string;
}

export type Labels = Record<string, string>;

export interface NetworkSpec {
  name: string;
  driver: string;
  labels: Labels;
}

export interface PortBinding {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol?: 'tcp' | 'udp';
}

export interface ContainerSpec {
  name: string;
  image: string;
  /** Replaces the image's CMD when set. */
  cmd?: string[];
  env: Record<string, string>;
  labels: Labels;
  /** Network to join (with `aliases`), or a network mode such as `host` or `none`. */
  network?: string;
  aliases: string[];
  ports: PortBinding[];
  /** Bind mounts and named volumes, `src:dst[:mode]`. */
  volumes: string[];
  /** Keep stdin open for an attached MCP stdio session. */
  stdin: boolean;
  /** `host:ip` entries for /etc/hosts (host-gateway is resolved by the engine). */
  extraHosts: string[];
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'unknown';

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: ContainerState;
  /** Engine's human status, e.g. "Up 3 seconds". */
  status: string;
  labels: Labels;
  /** Published host ports by container port (`8080/tcp` → 9000). */
  hostPorts: Record<string, number>;
}

export interface ContainerDetails extends ContainerSummary {
  exitCode: number;
  /** Engine-side error (e.g. the OCI runtime's "executable file not found"). */
  error: string;
  imageId: string;
}

export interface BuildSpec {
  /** Folder holding the build context. */
  context: string;
  /** Dockerfile path relative to the context. */
  dockerfile: string;
  tag: string;
  buildArgs: Record<string, string>;
  noCache: boolean;
  labels: Labels;
}

/** Bytes flowing out of a container's stdio, already demultiplexed. */
export interface AttachedStdio {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Drop the attach connection (never half-closes; the engine then closes the container's stdin). */
  close(): void;
}

export interface LogOptions {
  follow: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Only the last N lines. */
  tail?: number;
  /** Only lines written at or after this Unix time (seconds). */
  sinceS?: number;
}

export type ProgressFn = (line: string) => void;

export interface WorkloadRuntime {
  readonly info: RuntimeInfo;
  ping(): Promise<void>;

  /** Creates the network unless one of that name exists. True when this call created it. */
  ensureNetwork(spec: NetworkSpec): Promise<boolean>;
  removeNetwork(name: string): Promise<void>;
  listNetworks(labels: Labels): Promise<{ id: string; name: string }[]>;

  /** Image id of a local image, or undefined when none is tagged `ref`. */
  imageId(ref: string): Promise<string | undefined>;
  pullImage(ref: string, progress?: ProgressFn): Promise<void>;
  buildImage(spec: BuildSpec, progress?: ProgressFn): Promise<void>;
  removeImage(ref: string): Promise<void>;

  listContainers(labels: Labels): Promise<ContainerSummary[]>;
  inspectContainer(idOrName: string): Promise<ContainerDetails | undefined>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Stops (grace `timeoutS`, then SIGKILL); quiet when already stopped. */
  stopContainer(id: string, timeoutS?: number): Promise<void>;
  /** Force-removes; quiet when already gone. */
  removeContainer(id: string): Promise<void>;
  /** Attach to stdin/stdout/stderr (before or after start). */
  attach(id: string): Promise<AttachedStdio>;
  /** Follow the container's log streams from now on (or the last `tail` lines and stop). */
  logs(id: string, opts: LogOptions): Promise<{ stdout: Readable; stderr: Readable; close(): void }>;
}

/** No engine answered where one is needed; the message lists what was tried. */
export class RuntimeNotFoundError extends Error {}
