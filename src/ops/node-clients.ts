// One connected client per node for a stretch of work that talks to every node several times: a rolling upgrade's
// pre-flight reads each node's version, etcd and config over one connection instead of one each, and each node's
// upgrade then starts on that connection instead of opening a new one in series with its reboot. Scoped to the
// operation that opens it, never shared across operations: whoever takes a client over owns it.
import type { TalosClient } from "../talos/api/client.js";
import type { ClusterAccess } from "./access.js";

export interface NodeClients {
  /** The node's client, opened on first use and kept open. */
  get(node: string): Promise<TalosClient>;
  /** Hands the node's open client over to the caller, who closes it; undefined if none is open. */
  take(node: string): Promise<TalosClient | undefined>;
  /** Closes every client not taken over. */
  close(): void;
}

export function nodeClients(access: ClusterAccess): NodeClients {
  const open = new Map<string, Promise<TalosClient>>();
  let closed = false;
  return {
    get(node) {
      let c = open.get(node);
      if (!c) {
        c = access.nodeClient(node);
        // A client opened after close() would leak: close it as soon as it exists.
        if (closed) void c.then((x) => x.close());
        else open.set(node, c);
      }
      return c;
    },
    async take(node) {
      const c = open.get(node);
      open.delete(node);
      return c;
    },
    close() {
      closed = true;
      for (const c of open.values()) void c.then((x) => x.close());
      open.clear();
    },
  };
}

/** Runs `fn` with the node's client: the shared one when `clients` is given (left open), else a new one, closed after. */
export async function withNodeClient<T>(
  access: ClusterAccess,
  node: string,
  clients: NodeClients | undefined,
  fn: (client: TalosClient) => Promise<T>,
): Promise<T> {
  if (clients) return fn(await clients.get(node));
  const c = await access.nodeClient(node);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
