// After a config change that reboots the node — AUTO on ≤ 1.13 deciding so, or cairn's explicit Reboot on 1.14 —
// the change is only done once the node has left the boot it had: otherwise the wait after it could see the node
// still "running" on its old boot, a moment before it goes down, and report a reboot that had not happened yet.
import type { ActionContext } from "../../engine/types.js";
import type { ClusterAccess } from "../access.js";
import { bootId } from "../observe.js";
import { pollUntil } from "../support.js";

export async function waitUntilRebooted(
  access: ClusterAccess,
  node: string,
  before: string | undefined,
  ctx: ActionContext,
): Promise<void> {
  await pollUntil(
    ctx,
    `${node} rebooting`,
    async () => {
      let c;
      try {
        c = await access.nodeClient(node);
        const now = before === undefined ? undefined : await bootId(c, 2000);
        if (now === undefined) {
          // No boot ID to compare: the node's stage says whether it went down.
          const stage = (await c.machineStatus()).spec.stage;
          return stage === "running"
            ? { done: false, reason: "still running its old boot" }
            : { done: true, value: undefined };
        }
        return now !== before
          ? { done: true, value: undefined }
          : { done: false, reason: "still running its old boot" };
      } catch {
        return { done: true, value: undefined }; // gone down: the wait after this step sees it come back
      } finally {
        c?.close();
      }
    },
    100,
  );
}
