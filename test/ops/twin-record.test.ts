// A cairn killed after it started the twin but before it recorded the daemon (or a twin started by hand with
// `cairn twin up`) leaves a running twin that cairn's record does not name. The next apply uses it and must record
// it: otherwise every later plan finds the record stale, forgets the slots and plans the whole bootstrap again.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/shared.js";
import { planAndDiff, twinCli, twinDown } from "../helpers/twin-cli.js";

const SUBNET = "127.0.244.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-twin-record-"));
const spec = join(dir, "cairn.yaml");
const twinDir = join(dir, ".cairn", "solo", "twin");
const cairn = twinCli(dir, SUBNET);

afterAll(() => {
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

it("an apply on a running twin its record does not name records it; plan and diff are clean afterwards", () => {
  copyFileSync(join(REPO_ROOT, "examples/single-node.yaml"), spec);
  const version = /^ {2}version: (v\S+)/m.exec(readFileSync(spec, "utf8"))![1]!;
  // What a kill between the daemon's start and its record leaves: a twin running, nothing recorded.
  const up = cairn([
    "twin",
    "up",
    "--state-dir",
    twinDir,
    "--subnet",
    SUBNET,
    "--talos-version",
    version,
    "--reboot-duration",
    "200ms",
  ]);
  expect(up.code, up.out + up.err).toBe(0);
  const a = cairn(["apply", "-f", spec, "--twin", "--yes"]);
  expect(a.code, a.out + a.err).toBe(0);
  expect(a.out).not.toMatch(/start the twin/);
  const { daemon } = (
    JSON.parse(readFileSync(join(twinDir, "state.json"), "utf8")) as {
      providers: { twin: { daemon?: { pid: number } } };
    }
  ).providers.twin;
  const running = JSON.parse(readFileSync(join(twinDir, "daemon.json"), "utf8")) as { pid: number };
  expect(daemon?.pid).toBe(running.pid);
  const { plan, diff } = planAndDiff(cairn, ["-f", spec, "--twin"]);
  expect(plan.code, plan.out + plan.err).toBe(0);
  expect(diff.code, diff.out + diff.err).toBe(0);
}, 180_000);
