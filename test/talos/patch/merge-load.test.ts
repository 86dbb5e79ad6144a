import { describe, expect, it } from "vitest";
import {
  applyPatches,
  applyStrategicMerge,
  loadPatch,
  loadPatches,
  parsePatch,
  type ConfigDocument,
} from "../../../src/talos/patch/index.js";
import { UserError } from "../../../src/errors.js";

describe("strategic merge rules", () => {
  const rows: { name: string; target: object; patch: object; expected: object }[] = [
    {
      name: "maps merge deeply",
      target: { machine: { a: { b: 1, c: 2 } } },
      patch: { machine: { a: { c: 3, d: 4 } } },
      expected: { machine: { a: { b: 1, c: 3, d: 4 } } },
    },
    {
      name: "lists append",
      target: { machine: { certSANs: ["a"] } },
      patch: { machine: { certSANs: ["b"] } },
      expected: { machine: { certSANs: ["a", "b"] } },
    },
    {
      name: "podSubnets are replaced",
      target: { cluster: { network: { podSubnets: ["10.244.0.0/16"] } } },
      patch: { cluster: { network: { podSubnets: ["10.0.0.0/8"] } } },
      expected: { cluster: { network: { podSubnets: ["10.0.0.0/8"] } } },
    },
    {
      name: "serviceSubnets replaced by an empty list",
      target: { cluster: { network: { serviceSubnets: ["a"] } } },
      patch: { cluster: { network: { serviceSubnets: [] } } },
      expected: { cluster: { network: { serviceSubnets: [] } } },
    },
    {
      name: "an empty string keeps the old value",
      target: { machine: { install: { disk: "/dev/sda" } } },
      patch: { machine: { install: { disk: "" } } },
      expected: { machine: { install: { disk: "/dev/sda" } } },
    },
    {
      name: "zero keeps the old value",
      target: { cluster: { apiServer: { port: 6443 } } },
      patch: { cluster: { apiServer: { port: 0 } } },
      expected: { cluster: { apiServer: { port: 6443 } } },
    },
    {
      name: "false overwrites",
      target: { machine: { install: { wipe: true } } },
      patch: { machine: { install: { wipe: false } } },
      expected: { machine: { install: { wipe: false } } },
    },
    {
      name: "null keeps the old value",
      target: { machine: { install: { disk: "/dev/sda" } } },
      patch: { machine: { install: null } },
      expected: { machine: { install: { disk: "/dev/sda" } } },
    },
    {
      name: "kubespan mtu is a pointer: zero overwrites",
      target: { machine: { network: { kubespan: { mtu: 1420 } } } },
      patch: { machine: { network: { kubespan: { mtu: 0 } } } },
      expected: { machine: { network: { kubespan: { mtu: 0 } } } },
    },
    {
      name: "extraArgs values are replaced per key",
      target: { cluster: { apiServer: { extraArgs: { a: ["x"], b: "1" } } } },
      patch: { cluster: { apiServer: { extraArgs: { a: ["y"] } } } },
      expected: { cluster: { apiServer: { extraArgs: { a: ["y"], b: "1" } } } },
    },
    {
      name: "interfaces match by deviceSelector",
      target: {
        machine: { network: { interfaces: [{ deviceSelector: { hardwareAddr: "aa:*" }, mtu: 1500 }] } },
      },
      patch: {
        machine: { network: { interfaces: [{ deviceSelector: { hardwareAddr: "aa:*" }, dhcp: true }] } },
      },
      expected: {
        machine: {
          network: { interfaces: [{ deviceSelector: { hardwareAddr: "aa:*" }, mtu: 1500, dhcp: true }] },
        },
      },
    },
    {
      name: "selectors with physical never match (Go pointer compare)",
      target: { machine: { network: { interfaces: [{ deviceSelector: { physical: true } }] } } },
      patch: { machine: { network: { interfaces: [{ deviceSelector: { physical: true }, dhcp: true }] } } },
      expected: {
        machine: {
          network: {
            interfaces: [
              { deviceSelector: { physical: true } },
              { deviceSelector: { physical: true }, dhcp: true },
            ],
          },
        },
      },
    },
    {
      name: "a nil network takes the patch's as is (Go pointer set)",
      target: { machine: {} },
      patch: { machine: { network: { interfaces: [{ interface: "eth0" }, { interface: "eth0" }] } } },
      expected: { machine: { network: { interfaces: [{ interface: "eth0" }, { interface: "eth0" }] } } },
    },
    {
      name: "interfaces in one patch merge with each other",
      target: { machine: { network: {} } },
      patch: {
        machine: {
          network: {
            interfaces: [
              { interface: "eth0", mtu: 9000 },
              { interface: "eth0", dhcp: true },
            ],
          },
        },
      },
      expected: { machine: { network: { interfaces: [{ interface: "eth0", mtu: 9000, dhcp: true }] } } },
    },
    {
      name: "kubelet extra mounts append",
      target: { machine: { kubelet: { image: "k" } } },
      patch: { machine: { kubelet: { extraMounts: [{ source: "/var/opt" }] } } },
      expected: { machine: { kubelet: { image: "k", extraMounts: [{ source: "/var/opt" }] } } },
    },
    {
      name: "unstructured maps merge",
      target: {
        cluster: {
          apiServer: {
            admissionControl: [{ name: "PodSecurity", configuration: { defaults: { audit: "restricted" } } }],
          },
        },
      },
      patch: {
        cluster: {
          apiServer: {
            admissionControl: [{ name: "PodSecurity", configuration: { defaults: { enforce: "baseline" } } }],
          },
        },
      },
      expected: {
        cluster: {
          apiServer: {
            admissionControl: [
              {
                name: "PodSecurity",
                configuration: { defaults: { audit: "restricted", enforce: "baseline" } },
              },
            ],
          },
        },
      },
    },
  ];
  it.each(rows)("$name", ({ target, patch, expected }) => {
    expect(applyStrategicMerge(target as never, patch as never)).toEqual(expected);
  });

  it("refuses a shape mismatch", () => {
    expect(() =>
      applyStrategicMerge({ machine: { certSANs: ["a"] } }, { machine: { certSANs: "b" } }),
    ).toThrow(/merge type mismatch at 'machine.certSANs'/);
  });

  it("refuses to delete an inner key of a list element", () => {
    expect(() =>
      parsePatch(
        "machine:\n  network:\n    interfaces:\n      - interface: eth0\n        mtu:\n          $patch: delete\n",
      ),
    ).toThrow(/cannot delete an inner key in 'machine.network.interfaces.\[0\].mtu'/);
  });

  it("refuses to delete the root of the legacy document", () => {
    expect(() => parsePatch("machine: {}\n$patch: delete\n")).toThrow(/missing apiVersion/);
  });

  it("deleting a missing map key fails, a missing struct field does not", () => {
    const config = [
      { version: "v1alpha1", machine: { nodeLabels: { a: "1" }, install: { disk: "/dev/sda" } } },
    ];
    expect(() =>
      applyPatches(config, [parsePatch("machine:\n  nodeLabels:\n    b:\n      $patch: delete\n")]),
    ).toThrow(/lookup failed/);
    expect(
      applyPatches(config, [parsePatch("machine:\n  install:\n    image:\n      $patch: delete\n")]),
    ).toEqual(config);
  });

  it("adds new documents and deletes documents by kind and name", () => {
    const config = [
      { version: "v1alpha1" },
      { apiVersion: "v1alpha1", kind: "LinkConfig", name: "eth0", mtu: 1500 },
    ] as ConfigDocument[];
    const out = applyPatches(config, [
      parsePatch(
        "apiVersion: v1alpha1\nkind: LinkConfig\nname: eth1\nmtu: 9000\n---\napiVersion: v1alpha1\nkind: LinkConfig\nname: eth0\n$patch: delete\n",
      ),
    ]);
    expect(out).toEqual([
      { version: "v1alpha1" },
      { apiVersion: "v1alpha1", kind: "LinkConfig", name: "eth1", mtu: 9000 },
    ]);
  });

  it("does not mutate its inputs", () => {
    const target = { machine: { certSANs: ["a"] } };
    applyStrategicMerge(target, { machine: { certSANs: ["b"] } });
    expect(target).toEqual({ machine: { certSANs: ["a"] } });
  });
});

describe("patch loading", () => {
  const files: Record<string, string> = {
    "p.yaml": "machine:\n  network:\n    hostname: foo.bar\n",
    "j.json": '[{"op": "add", "path": "/machine/certSANs", "value": ["foo.com"]}]',
    "j.yaml": "- op: add\n  path: /some/path\n  value: [a, b, c]\n",
    "empty.yaml": "# nothing\n",
  };
  const read = (p: string): string => {
    const f = files[p];
    if (f === undefined) throw new Error(`open ${p}: no such file or directory`);
    return f;
  };

  it.each([
    ["@p.yaml", "strategic"],
    ["p.yaml", "strategic"],
    ["@j.json", "json6902"],
    ["@j.yaml", "json6902"],
    ["@empty.yaml", "json6902"],
    ['{"machine": {"network": {"hostname": "x"}}}', "strategic"],
    ['[{"op": "remove", "path": "/machine/network"}]', "json6902"],
    ["machine:\n  type: worker\n", "strategic"],
    ["apiVersion: v1alpha1\nkind: LinkConfig\nname: eth0\nmtu: 9000\n", "strategic"],
  ])("%j loads as %s", (arg, type) => {
    expect(loadPatch(arg, read).type).toBe(type);
  });

  it("an empty patch is an empty JSON patch", () => {
    expect(loadPatch("@empty.yaml", read)).toEqual({ type: "json6902", operations: [] });
  });

  it("joins adjacent JSON patches", () => {
    const out = loadPatches(["@j.json", "@j.yaml", "@p.yaml", "@j.json"], read);
    expect(out.map((p) => (p.type === "json6902" ? p.operations.length : "s"))).toEqual([2, "s", 1]);
  });

  it("reports an unreadable file as a user error", () => {
    expect(() => loadPatch("@nope.yaml", read)).toThrow(UserError);
    expect(() => loadPatch("@nope.yaml", read)).toThrow(/cannot read patch file nope.yaml/);
  });

  it("reports broken JSON patches and strategic patches precisely", () => {
    expect(() => loadPatch('[{"op": "add",', read)).toThrow(/invalid JSON patch/);
    expect(() => loadPatch("kind: Foo\nbar: 1\n", read)).toThrow(
      /invalid strategic merge patch: missing apiVersion/,
    );
    expect(() => loadPatch("foo: bar\nbaz: 1\n", read)).toThrow(/missing kind/);
    // Talos 1.14 loads patches without validation: a repeated document is allowed and merges in order.
    expect(loadPatch("machine: {}\n---\nmachine: {}\n", read)).toMatchObject({ type: "strategic" });
  });
});
