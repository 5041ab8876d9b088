// Attach to a container's stdio over the Engine API without a request body: POST
// /containers/{id}/attach with `Upgrade: tcp`, then the connection carries raw stdin one way and
// multiplexed stdout/stderr frames (8-byte header: stream type, 3 zero bytes, big-endian size) the
// other way. Written directly because dockerode's hijacked attach sends its options as a JSON
// body, which Podman 4.3 delivers to the container's stdin.
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import type { AttachedStdio } from './types.js';

export function attachRaw(socketPath: string, id: string, timeoutMs = 10_000): Promise<AttachedStdio> {
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath,
      method: 'POST',
      path: `/containers/${encodeURIComponent(id)}/attach?stream=1&stdin=1&stdout=1&stderr=1`,
      headers: { Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Length': '0' },
    });
    const timer = setTimeout(() => req.destroy(new Error(`attach to ${id} timed out`)), timeoutMs);
    req.on('upgrade', (_res, socket: Socket, head: Buffer) => {
      clearTimeout(timer);
      resolve(wrap(socket, head));
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => {
        let message = body.trim();
        try {
          message = (JSON.parse(body) as { message?: string }).message ?? message;
        } catch {
          // plain text body
        }
        reject(new Error(`attach to ${id} refused (HTTP ${res.statusCode}): ${message}`));
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

function wrap(socket: Socket, head: Buffer): AttachedStdio {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const demux = new FrameDemuxer(
    (b) => stdout.write(b),
    (b) => stderr.write(b),
  );
  if (head.length > 0) demux.push(head);
  socket.on('data', (chunk: Buffer) => demux.push(chunk));
  const finish = () => {
    stdout.end();
    stderr.end();
  };
  socket.once('end', finish);
  socket.once('close', finish);
  socket.on('error', () => {}); // 'close' follows and ends the streams
  const stdin = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (socket.destroyed) return cb(new Error('attach connection closed'));
      socket.write(chunk, cb);
    },
  });
  socket.once('close', () => stdin.destroy());
  stdin.on('error', () => {});
  return {
    stdin,
    stdout,
    stderr,
    close: () => socket.destroy(),
  };
}

/**
 * Splits the attach stream's frames into stdout and stderr payloads. Chunks are collected until a
 * whole frame is there, so a frame of many megabytes costs one concatenation, not one per chunk.
 */
export class FrameDemuxer {
  private parts: Buffer[] = [];
  private length = 0;
  /** Size of the frame being collected, once its header was read. */
  private need: { type: number; size: number } | undefined;

  constructor(
    private readonly onStdout: (b: Buffer) => void,
    private readonly onStderr: (b: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    this.parts.push(chunk);
    this.length += chunk.length;
    for (;;) {
      if (!this.need) {
        if (this.length < 8) return;
        const head = this.take(8);
        this.need = { type: head[0] ?? 1, size: head.readUInt32BE(4) };
      }
      if (this.length < this.need.size) return;
      const payload = this.take(this.need.size);
      const type = this.need.type;
      this.need = undefined;
      if (payload.length === 0) continue;
      if (type === 2) this.onStderr(payload);
      else this.onStdout(payload);
    }
  }

  private take(n: number): Buffer {
    const all = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.length);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.parts = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    return out;
  }
}
