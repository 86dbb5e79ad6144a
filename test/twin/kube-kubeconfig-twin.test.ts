// `cairn kubeconfig -f cairn.yaml --twin -o FILE` after `cairn apply --twin`: the kubeconfig's server is the twin's
// control-plane address, its context is <cluster>-twin, and the real kubectl reaches the simulated API with it.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { REPO_ROOT } from "../helpers/shared.js";
import { twinCli, twinDown } from "../helpers/twin-cli.js";
import { kubectl } from "../helpers/kubectl.js";

const SUBNET = "127.0.126.0/24";
const dir = mkdtempSync(join(tmpdir(), "cairn-kubeconfig-twin-"));
const spec = join(dir, "cairn.yaml");
const twinDir = join(dir, ".cairn", "minimal", "twin");
const cairn = twinCli(dir, SUBNET);

afterAll(() => {
  twinDown(twinDir);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

test("kubectl reaches the rehearsal through cairn's --twin kubeconfig", async () => {
  copyFileSync(join(REPO_ROOT, "examples/minimal.yaml"), spec);
  const before = cairn(["kubeconfig", "-f", spec, "--twin", "-o", join(dir, "early")]);
  expect(before.code).toBe(1);
  expect(before.err).toMatch(/no twin rehearsal of minimal has placed its control planes yet/);

  const a = cairn(["apply", "-f", spec, "--twin", "--yes"]);
  expect(a.code, a.err + a.out).toBe(0);
  const file = join(dir, "twin.kubeconfig");
  const secrets = join(dir, ".cairn", "minimal", "secrets.yaml");
  const r = cairn(["kubeconfig", "-f", spec, "--twin", "--secrets", secrets, "-o", file]);
  expect(r.code, r.err).toBe(0);
  expect(r.out).toMatch(/context admin@minimal-twin/);
  expect(r.out).toMatch(/SIMULATED twin API/);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const text = readFileSync(file, "utf8");
  expect(text).toMatch(/server: https:\/\/127\.0\.126\.\d+:6443/);

  const k = kubectl(file);
  const wait = await k(["wait", "--for=condition=Ready", "node/cp1", "--timeout=60s"], undefined, 90_000);
  expect(wait.code, wait.err).toBe(0);
  const nodes = await k(["get", "nodes"]);
  expect(nodes.out).toMatch(/cp1\s+Ready\s+control-plane/);
  const v = await k(["version"]);
  expect(v.out).toMatch(/Server Version: v\d+\.\d+\.\d+-twin/);
}, 240_000);
