// talosctl habits on a twin node: connection flags before the verb (`cairn talos --talosconfig F -n A -e A version`),
// after it, split around it, between a command group and its verb, from the TALOSCONFIG environment variable, and
// a named --context.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildTalosconfig } from "../../src/talos/talosconfig.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { runCairn } from "../helpers/cli.js";
import { osCa } from "./client-fixtures.js";
import { configure } from "./helpers.js";

let twin: Twin;
let dir: string;
let file: string;
let node: string;

beforeAll(async () => {
  twin = await startTwin({ controlplanes: 1, subnet: "127.0.154.0/24", rebootMs: 200 });
  await configure(twin);
  node = twin.nodes[0]!.address;
  dir = mkdtempSync(join(tmpdir(), "cairn-talosctl-order-"));
  file = join(dir, "talosconfig");
  // No endpoints in the file, as `talosctl gen config` writes it: -e must reach the command.
  writeFileSync(file, (await buildTalosconfig(osCa(), { context: "twin", now: new Date() })).text, {
    mode: 0o600,
  });
}, 60_000);

afterAll(async () => {
  await twin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const versionOf = (out: string) => JSON.parse(out) as { node: string; version?: { tag: string } }[];

describe.sequential("cairn talos, in talosctl's order", () => {
  test("bootstrap, etcd members, version and kubeconfig with --talosconfig F -n A -e A before the verb", async () => {
    const conn = ["--talosconfig", file, "-n", node, "-e", node];
    const b = await runCairn("talos", ...conn, "bootstrap");
    expect(b.code, b.err).toBe(0);
    await twin.waitFor(
      "etcd up",
      () => twin.nodes[0]!.etcd.running && twin.nodes[0]!.etcdMemberId !== undefined,
      30_000,
    );

    const m = await runCairn("talos", ...conn, "etcd", "members");
    expect(m.code, m.err).toBe(0);
    expect(m.out).toMatch(/^NODE\s+ID\s+HOSTNAME/);
    expect(m.out).toContain(node);

    const v = await runCairn("talos", ...conn, "version", "-o", "json");
    expect(v.code, v.err).toBe(0);
    expect(versionOf(v.out)).toMatchObject([{ node, version: { tag: "v1.13.9" } }]);

    const kc = join(dir, "kubeconfig");
    const k = await runCairn("talos", ...conn, "kubeconfig", kc);
    expect(k.code, k.err).toBe(0);
    expect(readFileSync(kc, "utf8")).toContain("kind: Config");
    expect(statSync(kc).mode & 0o777).toBe(0o600);
  }, 60_000);

  test("the same flags after the verb, split around it, and between `etcd` and its verb", async () => {
    for (const args of [
      ["version", "--talosconfig", file, "-n", node, "-e", node, "-o", "json"],
      ["-n", node, "version", "--talosconfig", file, "-e", node, "-o", "json"],
      ["--talosconfig", file, "-e", node, "version", "--nodes", node, "-o", "json"],
    ]) {
      const r = await runCairn("talos", ...args);
      expect(r.code, `${args.join(" ")}: ${r.err}`).toBe(0);
      expect(versionOf(r.out).map((x) => x.node)).toEqual([node]);
    }
    const m = await runCairn("talos", "etcd", "--talosconfig", file, "-e", node, "-n", node, "members");
    expect(m.code, m.err).toBe(0);
    expect(m.out).toContain(node);
  });

  test("TALOSCONFIG names the talosconfig; --context picks a context of it", async () => {
    const saved = process.env.TALOSCONFIG;
    try {
      process.env.TALOSCONFIG = file;
      const r = await runCairn("talos", "-n", node, "-e", node, "version", "-o", "json");
      expect(r.code, r.err).toBe(0);
      expect(versionOf(r.out)).toMatchObject([{ node, version: { tag: "v1.13.9" } }]);
      const bad = await runCairn("talos", "--context", "nope", "-n", node, "-e", node, "version");
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/nope/);
      const good = await runCairn(
        "talos",
        "--context",
        "twin",
        "-n",
        node,
        "-e",
        node,
        "version",
        "-o",
        "json",
      );
      expect(good.code, good.err).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.TALOSCONFIG;
      else process.env.TALOSCONFIG = saved;
    }
  });
});
