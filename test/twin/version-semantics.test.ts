// Each Talos version's ApplyConfiguration and upgrade behaviour, on twin nodes of 1.12, 1.13 and 1.14, through the
// project's own client:
// - 1.13: AUTO reboots when a v1alpha1 change cannot be applied live, applies live otherwise; NO_REBOOT refuses such
//   a change; the upgrade goes through LifecycleService (pull, install, Reboot);
// - 1.14: REBOOT is refused outside maintenance mode, AUTO answers NO_REBOOT and never reboots; the client sends
//   NO_REBOOT and then an explicit Reboot when the change needs a boot;
// - 1.12: no LifecycleService, so the client upgrades with MachineService/Upgrade.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { rebootNeededFor } from "../../src/talos/api/apply-semantics.js";
import type { TalosClient } from "../../src/talos/api/client.js";
import { TalosVersionMismatchError } from "../../src/talos/api/errors.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { mtls, talosconfig } from "./client-fixtures.js";
import { configure, goldenConfig } from "./helpers.js";

let twin12: Twin;
let twin13: Twin;
let twin14: Twin;
const clients: TalosClient[] = [];

beforeAll(async () => {
  [twin12, twin13, twin14] = await Promise.all([
    startTwin({ controlplanes: 1, talosVersion: "v1.12.11", subnet: "127.0.151.0/24", rebootMs: 200 }),
    startTwin({ controlplanes: 1, talosVersion: "v1.13.9", subnet: "127.0.152.0/24", rebootMs: 200 }),
    startTwin({ controlplanes: 1, talosVersion: "v1.14.0", subnet: "127.0.153.0/24", rebootMs: 200 }),
  ]);
  await Promise.all([configure(twin12, "1.12"), configure(twin13, "1.13"), configure(twin14, "1.14")]);
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([twin12?.stop(), twin13?.stop(), twin14?.stop()]);
});

async function client(twin: Twin): Promise<{ c: TalosClient; node: string }> {
  const node = twin.nodes[0]!.address;
  const c = mtls(await talosconfig(["os:admin"], [node]));
  clients.push(c);
  return { c, node };
}

/** The golden config with a machine.files entry: a v1alpha1 change no Talos ≤1.13 applies live. */
const withFile = (text: string) =>
  text.replace(
    /^machine:\n/m,
    "machine:\n    files:\n        - content: hello\n          permissions: 420\n          path: /var/f\n          op: create\n",
  );
/** A live change: one more certificate SAN. */
const withSan = (text: string) =>
  text.replace(/^ {4}certSANs: \[\]\n/m, "    certSANs:\n        - extra.example\n");

const waitRunning = (twin: Twin, bootId: string) =>
  twin.waitFor(
    "the node rebooted and runs again",
    () => {
      const n = twin.nodes[0]!;
      return n.bootId !== bootId && n.stage === "running" && n.mode === "normal" && n.server !== undefined;
    },
    20_000,
  );

describe.sequential("Talos 1.13", () => {
  test("AUTO applies a live change without a reboot and reboots for one it cannot apply live", async () => {
    const { c, node } = await client(twin13);
    const n = twin13.nodes[0]!;
    const base = goldenConfig("controlplane", "1.13");
    expect(rebootNeededFor("v1.13.9", base, withSan(base))).toEqual([]);
    expect(rebootNeededFor("v1.13.9", base, withFile(base))).toEqual(["machine.files"]);

    let boot = n.bootId;
    const [live] = await c.applyConfiguration(withSan(base), { mode: "auto" }, [node]);
    expect(live).toMatchObject({ ok: true, value: { mode: "NO_REBOOT" } });
    expect(n.bootId).toBe(boot);

    const [refused] = await c.applyConfiguration(withFile(base), { mode: "no-reboot" }, [node]);
    expect(refused!.ok).toBe(false);
    expect(!refused!.ok && refused!.error.message).toMatch(
      /can't be applied in immediate mode[\s\S]*machine\.files/,
    );

    boot = n.bootId;
    const [rebooting] = await c.applyConfiguration(withFile(base), { mode: "auto" }, [node]);
    expect(rebooting).toMatchObject({ ok: true, value: { mode: "REBOOT" } });
    await waitRunning(twin13, boot);
    expect(n.config?.text).toContain("path: /var/f");
  });

  test("upgrade goes through ImageService/Pull and LifecycleService/Upgrade, then a Reboot", async () => {
    const { c, node } = await client(twin13);
    const n = twin13.nodes[0]!;
    const boot = n.bootId;
    const r = await c.upgrade("factory.talos.dev/metal-installer/abc:v1.14.0", {}, [node]);
    expect(r).toEqual([{ node, api: "lifecycle", ok: true }]);
    await waitRunning(twin13, boot);
    expect(n.version).toBe("v1.14.0");
  });
});

describe.sequential("Talos 1.14", () => {
  test("REBOOT is refused outside maintenance mode, AUTO answers NO_REBOOT even for a boot-time change", async () => {
    const { c, node } = await client(twin14);
    const n = twin14.nodes[0]!;
    const base = goldenConfig("controlplane", "1.14");
    // Unimplemented: the client's typed "this Talos version does not implement it" error, with Talos' message.
    const refused = c.applyConfiguration(withSan(base), { mode: "reboot" }, [node]);
    await expect(refused).rejects.toBeInstanceOf(TalosVersionMismatchError);
    await expect(refused).rejects.toThrow(
      "the REBOOT mode is not supported, please use AUTO or NO_REBOOT modes instead",
    );
    const boot = n.bootId;
    const [auto] = await c.applyConfiguration(withFile(base), { mode: "auto" }, [node]);
    expect(auto).toMatchObject({ ok: true, value: { mode: "NO_REBOOT" } });
    await new Promise((r) => setTimeout(r, 400));
    expect(n.bootId).toBe(boot);
    expect(n.config?.text).toContain("path: /var/f");
  });

  test("applyConfigurationFor sends NO_REBOOT, then an explicit Reboot when the change needs a boot", async () => {
    const { c, node } = await client(twin14);
    const n = twin14.nodes[0]!;
    const current = n.config!.text;
    const next = withSan(current);
    // machine.files changed earlier; now nothing boot-time changes: no reboot
    const calm = await c.applyConfigurationFor(
      next,
      { talosVersion: n.version, rebootNeeded: rebootNeededFor(n.version, current, next) },
      [node],
    );
    expect(calm.step).toEqual({ mode: "no-reboot", thenReboot: false });
    expect(calm.rebooted).toEqual([]);
    const boot = n.bootId;
    const asked = await c.applyConfigurationFor(next, { talosVersion: n.version, mode: "reboot" }, [node]);
    expect(asked.step).toEqual({ mode: "no-reboot", thenReboot: true });
    expect(asked.results[0]).toMatchObject({ ok: true, value: { mode: "NO_REBOOT" } });
    expect(asked.rebooted).toEqual([node]);
    await waitRunning(twin14, boot);
    const methods = n.log.map((r) => r.method.replace(/^.*\//, ""));
    expect(methods.slice(methods.lastIndexOf("ApplyConfiguration"))).toContain("Reboot");
  });
});

describe.sequential("Talos 1.12", () => {
  test("no LifecycleService: the client upgrades with MachineService/Upgrade", async () => {
    const { c, node } = await client(twin12);
    const n = twin12.nodes[0]!;
    // the lifecycle API is Unimplemented on this version
    await expect(
      (async () => {
        for await (const _ of c.transport.serverStream(
          (await import("../../src/talos/api/messages.js")).methods.imagePull,
          { containerd: { driver: "CONTAINERD", namespace: "NS_SYSTEM" }, image_ref: "x:v1" },
          { node },
          { idempotent: true },
        ))
          void _;
      })(),
    ).rejects.toBeInstanceOf(TalosVersionMismatchError);
    const boot = n.bootId;
    const r = await c.upgrade("factory.talos.dev/metal-installer/abc:v1.13.9", {}, [node]);
    expect(r).toMatchObject([{ node, api: "legacy", ok: true }]);
    await waitRunning(twin12, boot);
    expect(n.version).toBe("v1.13.9");
  });
});
