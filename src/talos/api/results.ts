// Per-node results of one-to-many calls. apid reports a node it could not reach as a reply message whose
// metadata.error is set, so one dead node is a failed entry here, not a failed command.
import { TalosNodeError } from "./errors.js";
import type { Envelope, WithMetadata } from "./types.js";

export type NodeResult<T> =
  { node: string; ok: true; value: T } | { node: string; ok: false; error: TalosNodeError };

/**
 * Splits an envelope into per-node results. Without a `nodes` header the reply has no hostname; `fallbackNode`
 * (the single target or the endpoint) names it then.
 */
export function perNode<T extends WithMetadata>(
  envelope: Envelope<T>,
  fallbackNode: string,
): NodeResult<T>[] {
  return envelope.messages.map((m) => {
    const node = m.metadata?.hostname || fallbackNode;
    const error = m.metadata?.error || m.metadata?.status?.message;
    if (error) return { node, ok: false, error: new TalosNodeError(node, error, m.metadata?.status?.code) };
    return { node, ok: true, value: m };
  });
}
