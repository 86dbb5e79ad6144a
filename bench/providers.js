// Benchmark (issue 11): a whole `cairn apply --yes` on the simulated Hetzner Cloud — provisioning (network,
// firewall, placement groups, load balancer, every server created stopped, attached at its private IP, powered on),
// then Talos on the twin nodes the fake boots for the servers (configs from user_data, etcd bootstrap and joins) and
// the health gate — for 1 control plane and for 3 control planes + 20 workers, in the same run, each server's
// create+boot taking a simulated B (default 25 s, about what a real Hetzner server takes to be created and boot;
// quick 8 s; smoke 0.4 s with 1 + 2 servers, no target judged). Target: the 23-server wall time within 1.25 × the
// single server's (creates run in parallel within the API's rate limit). Prints the API calls per node from the
// fake's request log and how the engine's time splits between provisioning and Talos. The fake, its twin nodes and
// every cairn run live in a network and PID namespace of their own (test/providers/netns.ts, root), so the twin
// nodes sit at the spec's own addresses and nothing outlives the run. B and R: CAIRN_BENCH_B_MS, CAIRN_BENCH_R_MS.
import { fileURLToPath } from "node:url";
import { runInOwnNetns } from "../test/providers/netns.ts";

export const name = "providers";
export const description =
  "cairn apply (provisioning + Talos + health) on the Hetzner fake: 3+20 servers vs 1, create+boot B each (target ≤ 1.25×), API calls per node";

const SCENARIO = fileURLToPath(new URL("../test/providers/bench-apply.scenario.ts", import.meta.url));
const round = (x) => Math.round(x * 10) / 10;

export async function run({ quick, smoke } = {}) {
  const B = Number(process.env.CAIRN_BENCH_B_MS ?? (smoke ? 400 : quick ? 8000 : 25_000));
  // The twin's simulated reboot: the one Talos install reboot after a node's config is applied.
  const R = Number(process.env.CAIRN_BENCH_R_MS ?? (smoke ? 200 : 2000));
  // Every other Hetzner action (network, firewall, attach, load balancer…).
  const actionMs = smoke ? 50 : 500;
  const [cps, workers] = smoke ? [1, 2] : [3, 20];
  const { one, many } = runInOwnNetns(SCENARIO, [B, R, actionMs, cps, workers].map(String), {
    timeoutMs: smoke ? 120_000 : 1_800_000,
  });
  const ratio = many.wallMs / one.wallMs;
  const talos = (r) => r.engineMs - r.provisioningMs;
  return {
    figures: [
      { label: "simulated create+boot per server (B)", value: B, unit: "ms" },
      { label: "simulated Talos install reboot (R)", value: R, unit: "ms" },
      { label: "cairn apply, 1 control plane (wall)", value: one.wallMs, unit: "ms" },
      { label: "  provisioning (until its last server is up)", value: one.provisioningMs, unit: "ms" },
      { label: "  Talos after that (configs, etcd, health gate)", value: talos(one), unit: "ms" },
      { label: `cairn apply, ${cps} + ${workers} (wall)`, value: many.wallMs, unit: "ms" },
      { label: "  provisioning (until its last server is up)", value: many.provisioningMs, unit: "ms" },
      { label: "  Talos after that (configs, etcd, health gate)", value: talos(many), unit: "ms" },
      { label: `${cps} + ${workers} vs 1 (wall)`, value: ratio, unit: "×", target: 1.25 },
      {
        label: "API calls per node (1 server, incl. the cluster-wide resources)",
        value: round(one.calls / one.servers),
      },
      { label: "  of which polls of an action's status", value: round(one.polls / one.servers) },
      { label: `API calls per node (${many.servers} servers)`, value: round(many.calls / many.servers) },
      { label: "  of which polls of an action's status", value: round(many.polls / many.servers) },
      { label: "requests answered 429 (rate limit)", value: one.limited + many.limited, exact: true },
      {
        label: "requests the fake's schema refused",
        value: one.rejected + many.rejected,
        target: 0,
        exact: true,
      },
    ],
    notes: [
      `create_server ¾ B, start_server ¼ B, other actions ${actionMs} ms; walls include cairn's start, render and observe`,
      `action kinds: ${many.ids.join(", ")}`,
    ],
    ok: smoke || ratio <= 1.25,
  };
}
