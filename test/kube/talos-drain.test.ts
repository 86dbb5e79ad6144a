// Who drains a node around each Talos operation (src/kube/talos-drain.ts), as read from the Talos sequencer at
// v1.9.0 … v1.14.0-rc.1: cairn drains exactly where Talos does not, so a node is never drained twice.
import { describe, expect, test } from "vitest";
import { talosDrainBehaviour, type TalosNodeOperation } from "../../src/kube/talos-drain.js";

const cases: [string, TalosNodeOperation, boolean, boolean][] = [
  // version, operation, Talos drains, cairn drains
  ["v1.9.6", { kind: "upgrade", api: "legacy" }, true, false],
  ["v1.12.11", { kind: "upgrade", api: "legacy" }, true, false],
  ["v1.12.11", { kind: "upgrade", api: "lifecycle" }, true, false],
  ["v1.13.9", { kind: "upgrade", api: "lifecycle" }, false, true],
  ["v1.13.9", { kind: "upgrade", api: "legacy" }, true, false],
  ["v1.14.0", { kind: "upgrade", api: "lifecycle" }, false, true],
  ["v1.11.6", { kind: "upgrade", api: "legacy", stage: true }, false, true],
  ["v1.13.9", { kind: "reset", graceful: true }, true, false],
  ["v1.13.9", { kind: "reset", graceful: false }, false, true],
  ["v1.10.9", { kind: "reboot" }, false, true],
  ["v1.13.9", { kind: "shutdown" }, true, false],
  ["v1.13.9", { kind: "shutdown", force: true }, false, true],
];

describe("talosDrainBehaviour", () => {
  test.each(cases)("Talos %s %j: Talos drains %s, cairn drains %s", (version, op, talos, cairn) => {
    const b = talosDrainBehaviour(version, op);
    expect([b.talosDrains, b.cairnDrains]).toEqual([talos, cairn]);
    // Never both, never neither for a registered node.
    expect(b.talosDrains !== b.cairnDrains).toBe(true);
    expect(b.why).toMatch(/^Talos 1\.\d+: /);
  });

  test("Talos uncordons only after its own upgrade drain", () => {
    expect(talosDrainBehaviour("v1.12.11", { kind: "upgrade", api: "legacy" }).talosUncordons).toBe(true);
    expect(talosDrainBehaviour("v1.13.9", { kind: "upgrade", api: "lifecycle" }).talosUncordons).toBe(false);
  });

  test("a node whose kubelet skips registration is drained by nobody", () => {
    const b = talosDrainBehaviour("v1.13.9", { kind: "upgrade", api: "lifecycle" }, false);
    expect([b.talosDrains, b.cairnDrains]).toEqual([false, false]);
  });
});
