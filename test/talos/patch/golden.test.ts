import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { applyStrategicMerge } from "../../../src/talos/patch/index.js";
import { readShared } from "../../helpers/shared.js";

describe("golden overrides patch", () => {
  it("appends the extra mount to the kubelet's list", () => {
    const patch = parse(readShared("reference/talos/golden/patch.yaml"));
    const base = parseAllDocuments(readShared("reference/talos/golden/v1.12/base-worker.yaml"))[0]!.toJS();
    const out = applyStrategicMerge(base, patch);
    expect(out.machine).toMatchObject({
      kubelet: {
        extraMounts: [{ source: "/var/opt", destination: "/var/opt", type: "bind", options: ["rshared"] }],
      },
    });
    expect(base.machine.kubelet.extraMounts).toBeUndefined();
  });
});
