// Port checks and allocation. The gateway port is probed before forking so a port owned by some
// other process is reported up front instead of being mistaken for our daemon.
import { createServer } from 'node:net';

export function probePort(
  host: string,
  port: number,
): Promise<{ free: true } | { free: false; reason: string }> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      resolve({ free: false, reason: err.code === 'EADDRINUSE' ? 'in use by another process' : err.message });
    });
    srv.listen({ host, port, exclusive: true }, () => {
      srv.close(() => resolve({ free: true }));
    });
  });
}

/** Hands out host ports from a base upward, never twice (used for container publishing). */
export class PortAllocator {
  private next: number;
  private readonly taken = new Set<number>();

  constructor(base: number) {
    this.next = base;
  }

  reserve(port: number): void {
    this.taken.add(port);
  }

  allocate(): number {
    while (this.taken.has(this.next)) this.next++;
    const port = this.next++;
    this.taken.add(port);
    return port;
  }
}
