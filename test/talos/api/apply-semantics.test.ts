// Per-version ApplyConfiguration semantics (facts from each tag's machined and maintenance service): which mode to
// send for what the caller wants, and which v1alpha1 changes need a boot.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { applySemantics, applyStep, rebootNeededFor } from "../../../src/talos/api/apply-semantics.js";
import { TALOS_GOLDEN } from "../../helpers/shared.js";

const golden = (v: string) => readFileSync(`${TALOS_GOLDEN}v${v}/base-controlplane.yaml`, "utf8");

describe("apply semantics per Talos version", () => {
  it.each([
    // version, wanted, maintenance, rebootNeeded → mode, thenReboot
    ["v1.11.6", "no-reboot", true, [], "auto", false], // ≤1.12 maintenance: only AUTO/REBOOT/TRY
    ["v1.12.11", "staged", true, [], "auto", false],
    ["v1.13.9", "no-reboot", true, [], "no-reboot", false],
    ["v1.14.0", "reboot", true, [], "reboot", false], // maintenance maps REBOOT → NO_REBOOT itself
    ["v1.13.9", "auto", false, ["machine.files"], "auto", false], // the node reboots by itself
    ["v1.13.9", "reboot", false, [], "reboot", false],
    ["v1.14.0", "auto", false, [], "no-reboot", false],
    ["v1.14.0", "auto", false, ["machine.files"], "no-reboot", true],
    ["v1.14.0", "reboot", false, [], "no-reboot", true], // REBOOT is never sent outside maintenance
    ["v1.14.0", "staged", false, [], "staged", false],
  ] as const)(
    "%s %s (maintenance %s, needs %j) → %s, reboot after: %s",
    (v, wanted, maintenance, needs, mode, then) => {
      expect(applyStep(v, { wanted, maintenance, rebootNeeded: needs })).toEqual({ mode, thenReboot: then });
    },
  );

  it("knows which versions reboot in AUTO and accept REBOOT", () => {
    expect(applySemantics("v1.8.3")).toMatchObject({ autoMayReboot: true, rebootMode: true });
    expect(applySemantics("v1.14.0-rc.1")).toMatchObject({ autoMayReboot: false, rebootMode: false });
    expect(applySemantics("v1.8.3")!.liveFields).not.toContain("machine.features.imageCache");
    expect(applySemantics("v1.9.6")!.liveFields).toContain("machine.features.imageCache");
  });

  it("lists the v1alpha1 changes a node cannot apply live; other documents never need a boot", () => {
    const base = golden("1.13");
    const files = base.replace(
      /^machine:\n/m,
      "machine:\n    files:\n        - path: /var/x\n          content: x\n",
    );
    const sans = base.replace(/^ {4}certSANs: \[\]\n/m, "    certSANs:\n        - a.example\n");
    const doc = `${base}---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: other\n`;
    expect(rebootNeededFor("v1.13.9", base, files)).toEqual(["machine.files"]);
    expect(rebootNeededFor("v1.13.9", base, sans)).toEqual([]);
    expect(rebootNeededFor("v1.13.9", base, doc)).toEqual([]);
    expect(rebootNeededFor("v1.13.9", base, base.replace("type: controlplane", "type: worker"))).toEqual([
      "machine.type",
    ]);
  });
});
