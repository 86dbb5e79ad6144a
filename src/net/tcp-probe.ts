// Whether something accepts TCP connections at host:port, bounded. A rebooting node is watched with this instead of
// a full gRPC client per poll: a refused connect costs microseconds, a TLS client's channel set-up and failed call
// cost far more, and a wave of nodes polled every few tens of milliseconds would spend a core on it.
import { connect } from "node:net";

/** "10.0.0.1:50000" or "[fd00::1]:50000" → host and port. */
function split(endpoint: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(endpoint) ?? /^([^:]+):(\d+)$/.exec(endpoint);
  if (!m) throw new Error(`not a host:port endpoint: ${endpoint}`);
  return { host: m[1]!, port: Number(m[2]) };
}

export function tcpAccepts(endpoint: string, timeoutMs: number): Promise<boolean> {
  const { host, port } = split(endpoint);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
