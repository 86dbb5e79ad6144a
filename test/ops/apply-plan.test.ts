// Pure parts of apply: redacted config diffs, the apply mode Talos' AUTO will choose, and the quorum guard.
import { describe, expect, it } from "vitest";
import {
  describeMode,
  diffConfigs,
  formatChanges,
  isSensitiveKey,
  predictApplyMode,
  REDACTED,
} from "../../src/ops/config-diff.js";
import { quorumGuard } from "../../src/ops/scale/plan.js";

const base = `version: v1alpha1
machine:
  type: worker
  token: abcdef.0123456789abcdef
  ca:
    crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJQekNC
    key: ""
  certSANs: [10.0.0.1]
  nodeLabels: { zone: a }
  install: { disk: /dev/sda, image: "ghcr.io/siderolabs/installer:v1.12.1" }
cluster:
  secretboxEncryptionSecret: c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0
  token: abcdef.0123456789abcdef
---
apiVersion: v1alpha1
kind: HostnameConfig
hostname: w1
`;

describe("config diff", () => {
  it("redacts keys, tokens, certificates and secrets, even when they change", () => {
    const after = base
      .replace("abcdef.0123456789abcdef", "zzzzzz.0123456789abcdef")
      .replace("zone: a", "zone: b");
    const lines = formatChanges(diffConfigs(base, after)).join("\n");
    expect(lines).toContain(`~ v1alpha1 machine.token: ${REDACTED} → ${REDACTED} (changed)`);
    expect(lines).toContain('~ v1alpha1 machine.nodeLabels.zone: "a" → "b"');
    expect(lines).not.toMatch(/abcdef|zzzzzz|LS0t|c2Vj/);
  });

  it("a new config is listed field by field with every secret redacted", () => {
    const lines = formatChanges(diffConfigs(undefined, base), 1000).join("\n");
    expect(lines).toContain('+ v1alpha1 machine.certSANs[0]: "10.0.0.1"');
    expect(lines).toContain(`+ v1alpha1 cluster.secretboxEncryptionSecret: ${REDACTED}`);
    expect(lines).toContain(`+ v1alpha1 machine.ca: ${REDACTED}`);
    expect(lines).not.toMatch(/abcdef|LS0t|c2Vj/);
  });

  it.each([
    ["key", true],
    ["crt", true],
    ["token", true],
    ["bootstraptoken", true],
    ["aescbcEncryptionSecret", true],
    ["secretboxEncryptionSecret", true],
    ["certSANs", false],
    ["nodeLabels", false],
    ["hostname", false],
  ])("%s sensitive: %s", (k, v) => expect(isSensitiveKey(k)).toBe(v));

  it("predicts no-reboot for live fields and other documents, reboot otherwise (CanApplyImmediate)", () => {
    const labels = diffConfigs(base, base.replace("zone: a", "zone: b"));
    expect(predictApplyMode(labels, "v1.12.11").mode).toBe("no-reboot");
    const image = diffConfigs(base, base.replace("v1.12.1", "v1.12.2"));
    expect(predictApplyMode(image, "v1.12.11").mode).toBe("no-reboot");
    const hostname = diffConfigs(base, base.replace("hostname: w1", "hostname: w2"));
    expect(predictApplyMode(hostname, "v1.12.11").mode).toBe("no-reboot");
    const disk = diffConfigs(base, base.replace("type: worker", "type: worker\n  features: { rbac: true }"));
    expect(predictApplyMode(disk, "v1.12.11")).toEqual({
      mode: "reboot",
      rebootBecause: ["v1alpha1 machine.features.rbac"],
    });
    expect(predictApplyMode([], "v1.12.11").mode).toBe("none");
  });

  it("predicts per Talos release: 1.14 applies live, then cairn reboots; 1.8 lacks 1.9's live fields", () => {
    const rbac = diffConfigs(base, base.replace("type: worker", "type: worker\n  features: { rbac: true }"));
    // 1.14 refuses REBOOT outside maintenance mode: NO_REBOOT, then an explicit Reboot for a boot-time field.
    expect(predictApplyMode(rbac, "v1.14.0")).toEqual({
      mode: "no-reboot-then-reboot",
      rebootBecause: ["v1alpha1 machine.features.rbac"],
    });
    expect(describeMode(predictApplyMode(rbac, "v1.14.0").mode)).toBe("no-reboot, then reboot");
    const labels = diffConfigs(base, base.replace("zone: a", "zone: b"));
    expect(predictApplyMode(labels, "v1.14.0").mode).toBe("no-reboot");
    // The image cache became a live field in 1.9 (Runtime.CanApplyImmediate's list at each tag).
    const cache = diffConfigs(
      base,
      base.replace("type: worker", "type: worker\n  features: { imageCache: { localEnabled: true } }"),
    );
    expect(predictApplyMode(cache, "v1.9.6").mode).toBe("no-reboot");
    expect(predictApplyMode(cache, "v1.8.3").mode).toBe("reboot");
  });
});

describe("quorum guard", () => {
  it.each([
    [3, 2, false, false],
    [3, 2, true, true],
    [3, 3, false, true],
    [5, 4, false, true],
    [5, 3, false, true],
    [2, 1, false, false],
    [1, 0, true, false],
  ])("%i → %i control planes (force %s) allowed: %s", (current, after, force, ok) => {
    expect(quorumGuard(current, after, force).ok).toBe(ok);
  });
});
