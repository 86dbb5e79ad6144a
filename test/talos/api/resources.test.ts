// COSI specs arrive as yaml_spec text: one document for most types, a whole multi-document machine config for
// MachineConfigs.
import { describe, expect, it } from "vitest";
import { parseResource } from "../../../src/talos/api/resources.js";
import type { Resource } from "../../../src/talos/api/types.js";

const resource = (yaml: string) =>
  ({
    metadata: { namespace: "config", type: "MachineConfigs.config.talos.dev", id: "v1alpha1" },
    spec: { yaml_spec: yaml },
  }) as unknown as Resource;

describe("parseResource", () => {
  it("parses a one-document spec into its value", () => {
    expect(parseResource(resource("stage: running\nready: true\n")).spec).toEqual({
      stage: "running",
      ready: true,
    });
  });

  it("keeps a multi-document machine config as its documents and its exact text", () => {
    const text =
      "version: v1alpha1\nmachine:\n    type: worker\n---\napiVersion: v1alpha1\nkind: HostnameConfig\nhostname: w1\n";
    const r = parseResource(resource(text));
    expect(r.spec).toEqual([
      { version: "v1alpha1", machine: { type: "worker" } },
      { apiVersion: "v1alpha1", kind: "HostnameConfig", hostname: "w1" },
    ]);
    expect(r.yaml).toBe(text);
  });

  it("has no spec when the node sent none", () => {
    expect(parseResource(resource("")).spec).toBeNull();
  });
});
