// The simulated load balancer's data plane: for each TCP service of a load balancer, a listener on its public and
// private addresses that forwards each connection to one of its healthy targets (round robin, a target whose port
// refuses is skipped), as Hetzner's TCP load balancers do. Targets are the twin nodes the fake booted for the
// target servers, at the address each was booted on. Only while the fake boots twin nodes (its addresses are local).
import { connect, createServer, type Server, type Socket } from "node:net";

export interface LbView {
  id: number;
  /** Addresses the load balancer answers on (public IPv4, private IPs). */
  ips: string[];
  services: { listen: number; destination: number }[];
}

export class LbProxy {
  private readonly listeners = new Map<string, Server>();
  private next = 0;
  /** Why a listener could not start (an address that is not local), for the admin view. */
  readonly problems: string[] = [];

  private readonly ensure: (address: string) => string | undefined;
  private readonly targets: (lbId: number) => string[];

  constructor(ensure: (address: string) => string | undefined, targets: (lbId: number) => string[]) {
    this.ensure = ensure;
    this.targets = targets;
  }

  async sync(lbs: readonly LbView[]): Promise<void> {
    const want = new Map<string, { lb: number; ip: string; listen: number; destination: number }>();
    for (const lb of lbs)
      for (const ip of lb.ips)
        for (const s of lb.services) want.set(`${ip}:${s.listen}`, { lb: lb.id, ip, ...s });
    for (const [key, server] of this.listeners)
      if (!want.has(key)) {
        server.close();
        this.listeners.delete(key);
      }
    for (const [key, w] of want) {
      if (this.listeners.has(key)) continue;
      const problem = this.ensure(w.ip);
      if (problem) {
        this.problems.push(problem);
        continue;
      }
      const server = createServer((client) => this.forward(client, w.lb, w.destination));
      await new Promise<void>((resolve) => {
        server.once("error", (e) => (this.problems.push(`${key}: ${e.message}`), resolve()));
        server.listen(w.listen, w.ip, () => resolve());
      });
      if (server.listening) this.listeners.set(key, server);
    }
  }

  private forward(client: Socket, lb: number, port: number): void {
    client.pause();
    const candidates = this.targets(lb);
    const start = this.next++;
    const attempt = (i: number): void => {
      if (i >= candidates.length) {
        client.destroy();
        return;
      }
      const host = candidates[(start + i) % candidates.length]!;
      const upstream = connect({ host, port });
      upstream.once("error", () => {
        upstream.destroy();
        attempt(i + 1);
      });
      upstream.once("connect", () => {
        upstream.removeAllListeners("error");
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    attempt(0);
  }

  close(): void {
    for (const s of this.listeners.values()) s.close();
    this.listeners.clear();
  }
}
