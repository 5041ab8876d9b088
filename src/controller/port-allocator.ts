// Host ports for HTTP container replicas the daemon spawns. A port is claimed synchronously before
// the (async) probe, so concurrent scale-ups never get the same one; ports of the stack's existing
// containers are reserved up front, and a port something else holds is skipped.

import { coded } from '../errors/coded.js';
import { probePort } from './ports.js';

export class HostPortAllocator {
  private readonly taken = new Set<number>();

  constructor(
    private readonly base: number,
    private readonly host = '127.0.0.1',
  ) {}

  reserve(port: number): void {
    this.taken.add(port);
  }

  /** A free loopback port at or above the base, held until `free`. */
  async allocate(): Promise<number> {
    for (let port = this.base; port <= 65535; port++) {
      if (this.taken.has(port)) continue;
      this.taken.add(port);
      if ((await probePort(this.host, port)).free) return port;
      this.taken.delete(port);
    }
    throw coded('PORT_EXHAUSTED', `no free host port on ${this.host} from ${this.base} up`);
  }

  free(port: number): void {
    this.taken.delete(port);
  }
}
