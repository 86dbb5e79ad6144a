// The providers benchmark's measurement (bench/providers.js runs it through netns.ts): a whole `cairn apply --yes`
// — provisioning on the simulated Hetzner Cloud, Talos on the twin nodes its servers boot, the health gate — for
// one control plane and then for CPS control planes + WORKERS workers, against one fake in the same run. Each
// server's create+boot takes B ms (create_server ¾ B, start_server ¼ B; the first Talos boot then takes the twin's
// reboot R). Prints one JSON report: wall times, the engine's split, API calls per cluster from the fake's log.
//   node --import test/fakes/register.mjs test/providers/bench-apply.scenario.ts B R ACTION_MS CPS WORKERS
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeHandle } from "../fakes/start.js";
import { cairnRunner, loUp, startProviderFake } from "./scenario-kit.js";

const [B, R, actionMs, cps, workers] = process.argv.slice(2, 7).map(Number) as [
  number,
  number,
  number,
  number,
  number,
];

/** A Hetzner spec; each cluster gets its own private network (`net`: 10.net.0.0/16) so their load balancers' private addresses differ. */
function specText(cluster: string, net: number, nCps: number, nWorkers: number): string {
  const nodes: string[] = [];
  for (let i = 1; i <= nCps + nWorkers; i++) {
    const cp = i <= nCps;
    nodes.push(
      `  - name: ${cluster}-${cp ? `cp-${i}` : `w-${i - nCps}`}\n    role: ${cp ? "controlplane" : "worker"}\n` +
        `    hetzner: { serverType: cx23 }\n    interfaces: [{ network: private, name: eth1, address: 10.${net}.1.${i + 1} }]`,
    );
  }
  return [
    "apiVersion: cairn.dev/v1alpha1",
    "kind: Cluster",
    `name: ${cluster}`,
    "talos: { version: v1.11.5 }",
    "networks:",
    `  private: { cidr: 10.${net}.0.0/16, carries: [management] }`,
    "provider:",
    "  type: hetzner",
    "  location: fsn1",
    `  subnet: 10.${net}.1.0/24`,
    "  firewall: { talosApiFrom: [198.51.100.0/24] }",
    "nodes:",
    ...nodes,
    "",
  ].join("\n");
}

interface Event {
  type: string;
  time: string;
  id?: string;
  ok?: boolean;
  ms?: number;
}

const dir = mkdtempSync(join(tmpdir(), "cairn-bench-providers-"));
let fake: FakeHandle | undefined;
try {
  loUp();
  const started = await startProviderFake(
    "hetzner",
    [
      "--action-ms",
      String(actionMs),
      "--action-ms-json",
      JSON.stringify({ create_server: Math.round((B * 3) / 4), start_server: Math.round(B / 4) }),
    ],
    R,
  );
  fake = started.fake;
  const f = fake;
  const env = { ...process.env, ...started.env };
  const cairn = cairnRunner(dir, env);
  writeFileSync(join(dir, "image.yaml"), specText("img", 9, 1, 0));
  const img = await cairn(["image", "hetzner", "-f", "image.yaml", "--yes"]);
  if (img.code !== 0) throw new Error(`cairn image hetzner failed: ${img.err}${img.out}`);

  // One whole apply: wall time, the engine's run, and when its last provisioning action ended (the rest is Talos:
  // configs, etcd bootstrap and joins, the health gate), with the API requests it made.
  const apply = async (cluster: string, net: number, nCps: number, nWorkers: number) => {
    writeFileSync(join(dir, `${cluster}.yaml`), specText(cluster, net, nCps, nWorkers));
    const since = (await f.log()).at(-1)?.seq ?? 0;
    const r = await cairn(
      ["apply", "-f", `${cluster}.yaml`, "--yes", "--output", "json"],
      undefined,
      900_000,
    );
    if (r.code !== 0) throw new Error(`cairn apply (${cluster}) exited ${r.code}: ${r.err.slice(-1500)}`);
    const events = r.out
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Event);
    const plan = events.find((e) => e.type === "plan");
    const done = events.find((e) => e.type === "done");
    if (!plan || !done?.ok) throw new Error(`cairn apply (${cluster}): no successful engine run`);
    const t = (e: Event): number => Date.parse(e.time);
    const provisioned = Math.max(
      t(plan),
      ...events.filter((e) => e.type === "action-done" && /^(provision|hetzner-)/.test(e.id ?? "")).map(t),
    );
    const log = await f.log(since);
    return {
      servers: nCps + nWorkers,
      wallMs: r.ms,
      engineMs: done.ms,
      provisioningMs: provisioned - t(plan),
      ids: [
        ...new Set(events.filter((e) => e.type === "action-done").map((e) => (e.id ?? "").split(/[:/]/)[0])),
      ],
      calls: log.length,
      // Polls of an action's status: how the client waits out a create+boot, so they grow with B.
      polls: log.filter((e) => e.method === "GET" && /^\/?actions(\/\d+)?$/.test(e.path)).length,
      limited: log.filter((e) => e.status === 429).length,
      rejected: log.filter((e) => e.rejected).length,
    };
  };
  const one = await apply("solo", 1, 1, 0);
  const many = await apply("fleet", 2, cps, workers);
  process.stdout.write(`${JSON.stringify({ one, many })}\n`);
} catch (e) {
  process.stdout.write(
    `${JSON.stringify({ error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) })}\n`,
  );
  process.exitCode = 1;
} finally {
  await fake?.stop();
  rmSync(dir, { recursive: true, force: true });
}
