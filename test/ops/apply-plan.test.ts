// Pure parts of apply: redacted config diffs, the apply mode Talos' AUTO will choose, and the quorum guard.
import { describe, expect, it } from "vitest";
import {
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
    expect(predictApplyMode(labels).mode).toBe("no-reboot");
    const image = diffConfigs(base, base.replace("v1.12.1", "v1.12.2"));
    expect(predictApplyMode(image).mode).toBe("no-reboot");
    const hostname = diffConfigs(base, base.replace("hostname: w1", "hostname: w2"));
    expect(predictApplyMode(hostname).mode).toBe("no-reboot");
    const disk = diffConfigs(base, base.replace("type: worker", "type: worker\n  features: { rbac: true }"));
    expect(predictApplyMode(disk)).toEqual({
      mode: "reboot",
      rebootBecause: ["v1alpha1 machine.features.rbac"],
    });
    expect(predictApplyMode([]).mode).toBe("none");
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
