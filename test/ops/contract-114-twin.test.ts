// Issue 15 item 3's acceptance on the twin, for every example: a cluster built on Talos 1.13 and upgraded with
// `cairn upgrade talos --to v1.14.0 --update-spec` ends with every node on v1.14.0 running its config in the 1.14
// form (each node converted right after its own upgrade: KubeletConfig and the other documents, valid against the
// 1.14 schema), cairn.yaml naming the new release, and `cairn plan` and `cairn diff` both clean.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { runningConfig } from "../../src/ops/observe.js";
import { TalosClient } from "../../src/talos/api/client.js";
import { validateTalosDocuments } from "../../src/talos/config/validate.js";
import { parseTalosconfig } from "../../src/talos/talosconfig.js";
import { REPO_ROOT } from "../helpers/shared.js";
import { BIN, twinDown, twinEnv } from "../helpers/twin-cli.js";

const run = promisify(execFile);
const examples = readdirSync(join(REPO_ROOT, "examples")).filter((f) => f.endsWith(".yaml"));
const base = mkdtempSync(join(tmpdir(), "cairn-contract-114-"));
const twins: string[] = [];

afterAll(() => {
  for (const t of twins) twinDown(t);
  rmSync(base, { recursive: true, force: true });
}, 120_000);

/** The example on Talos v1.13.9, with a Kubernetes both 1.13 and 1.14 support when it pins one. */
function at113(text: string): string {
  return text
    .replace(/^( {2}version: )v1\.\d+\.\d+/m, "$1v1.13.9")
    .replace(/^(kubernetes:\n(?:(?: .*)?\n)*? {2}version: )\d+\.\d+\.\d+/m, "$11.36.3");
}

async function cli(cwd: string, subnet: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd, env: twinEnv(subnet), timeout: 240_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === "number" ? x.code : -1, out: `${x.stdout ?? ""}${x.stderr ?? ""}` };
  }
}

async function rehearse(example: string, subnet: string): Promise<void> {
  const cwd = join(base, example.replace(/\.yaml$/, ""));
  rmSync(cwd, { recursive: true, force: true });
  await run("mkdir", ["-p", cwd]);
  const spec = join(cwd, "cairn.yaml");
  const text = at113(readFileSync(join(REPO_ROOT, "examples", example), "utf8"));
  expect(text, example).toMatch(/^ {2}version: v1\.13\.9/m);
  writeFileSync(spec, text);
  const name = /^name: (\S+)/m.exec(text)![1]!;
  const clusterDir = join(cwd, ".cairn", name);
  twins.push(join(clusterDir, "twin"));
  const flags = ["-f", spec, "--twin"];

  const a = await cli(cwd, subnet, ["apply", ...flags, "--yes"]);
  expect(a.code, `${example}: apply\n${a.out}`).toBe(0);
  const up = await cli(cwd, subnet, [
    "upgrade",
    "talos",
    "--to",
    "v1.14.0",
    ...flags,
    "--yes",
    "--update-spec",
  ]);
  expect(up.code, `${example}: upgrade\n${up.out}`).toBe(0);
  expect(up.out).toMatch(/convert \S+'s config to the Talos 1\.14 contract/);
  expect(readFileSync(spec, "utf8"), example).toBe(text.replace(/^( {2}version: )v1\.13\.9/m, "$1v1.14.0"));

  // Every node on the new release and the new contract, as the node itself reports it.
  const status = await cli(cwd, subnet, ["status", ...flags, "--output", "json"]);
  const nodes = (
    JSON.parse(status.out) as { nodes: { name: string; endpoint: string; talosVersion: string }[] }
  ).nodes;
  expect(
    nodes.map((n) => n.talosVersion),
    example,
  ).toEqual(nodes.map(() => "v1.14.0"));
  const ctx = parseTalosconfig(readFileSync(join(clusterDir, "talosconfig"), "utf8"), name);
  for (const n of nodes) {
    const c = TalosClient.mtls(
      { caPem: ctx.caPem, certPem: ctx.certPem, keyPem: ctx.keyPem },
      { endpoints: [n.endpoint], connectTimeoutMs: 5000 },
    );
    try {
      const config = await runningConfig(c);
      expect(config, `${example} ${n.name}`).toMatch(/^kind: KubeletConfig$/m);
      expect(validateTalosDocuments(config, "1.14"), `${example} ${n.name}`).toEqual([]);
    } finally {
      c.close();
    }
  }
  const plan = await cli(cwd, subnet, ["plan", ...flags]);
  expect(plan.code, `${example}: plan\n${plan.out}`).toBe(0);
  const diff = await cli(cwd, subnet, ["diff", ...flags]);
  expect(diff.code, `${example}: diff\n${diff.out}`).toBe(0);
  twinDown(join(clusterDir, "twin"));
}

describe("1.13 → 1.14 rolling upgrade of every example on the twin", () => {
  it(`${examples.length} examples: every node converted, cairn.yaml updated, plan and diff clean`, async () => {
    expect(examples.length).toBeGreaterThanOrEqual(7);
    // 127.0.245–251 are this file's; 252 and 253 belong to apply-semantics-twin.test.ts (files run in parallel).
    expect(
      245 + examples.length - 1,
      "more examples than this file's subnets: pick a new range",
    ).toBeLessThan(252);
    // Two rehearsals at a time, each on its own loopback subnet.
    const queue = examples.map((e, i) => ({ e, subnet: `127.0.${245 + i}.0/24` }));
    const worker = async (): Promise<void> => {
      for (let job = queue.shift(); job; job = queue.shift()) await rehearse(job.e, job.subnet);
    };
    await Promise.all([worker(), worker()]);
  }, 900_000);
});
