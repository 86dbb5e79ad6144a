// Starting a VM or server on the fakes boots a twin node at the spec's own address (10.8.16.20 from seed 000, a fixed
// Hetzner private IP), so provider → Talos → bootstrap can run end to end. The addresses live in a network
// namespace of the scenario's own (unshare --net, as root like CI), never on the host; see twin-boot.scenario.ts.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const SCENARIO = fileURLToPath(new URL("./twin-boot.scenario.ts", import.meta.url));
const REGISTER = fileURLToPath(new URL("../fakes/register.mjs", import.meta.url));

test("VMs and servers boot twin nodes at their planned addresses and take them away again", () => {
  const r = spawnSync("unshare", ["--net", "--", process.execPath, "--import", REGISTER, SCENARIO], {
    encoding: "utf8",
    timeout: 150_000,
  });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  const out = JSON.parse(line || "{}") as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (r.status !== 0)
    throw new Error(`scenario failed (${r.status}): ${out.error ?? ""}\n${r.stderr.slice(-3000)}`);

  const pve = out.proxmox;
  expect(pve.before).toBe(false);
  expect(pve.booted).toEqual([
    {
      name: "talos-k8s-01",
      address: "10.8.16.20",
      stage: "maintenance",
      mode: "maintenance",
      version: "v1.11.5",
    },
  ]);
  expect(pve.up).toBe(true);
  expect(pve.version).toMatch(/is not available: the node is in maintenance mode/);
  expect(pve.applied).toBe("ok");
  expect(pve.configured).toMatchObject({ address: "10.8.16.20", stage: "running", mode: "normal" });
  expect(pve.down).toBe(false);
  expect(pve.afterStop).toEqual([]);
  expect(pve.boots).toMatchObject([
    { name: "talos-k8s-01", address: "10.8.16.20", ok: true, mode: "maintenance" },
  ]);
  expect(pve.rejected).toBe(0);

  const hc = out.hetzner;
  expect(hc.userDataBytes).toBeLessThan(32_768);
  expect(hc.offBeforePowerOn).toBe(false);
  expect(hc.configured).toMatchObject({
    name: "demo-cp-1",
    address: "10.0.1.11",
    stage: "running",
    mode: "normal",
    version: "v1.11.5",
  });
  expect(hc.afterDelete).toEqual([]);
  expect(hc.down).toBe(false);
  expect(hc.boots).toMatchObject([{ name: "demo-cp-1", address: "10.0.1.11", ok: true, mode: "configured" }]);
  expect(hc.rejected).toBe(0);
}, 180_000);
