// Behaviour of Talos' configpatcher testdata (v1.13.9), re-expressed: same inputs, expectations on the merged values.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { applyPatches, loadPatches, type ConfigDocument } from "../../../src/talos/patch/index.js";
import { JSON6902_MULTI_DOCUMENT_ERROR } from "../../../src/talos/patch/json6902.js";

const docs = (text: string): ConfigDocument[] =>
  parseAllDocuments(text).map((d) => d.toJS() as ConfigDocument);
const run = (config: string, patches: Record<string, string>, order: string[]): ConfigDocument[] =>
  applyPatches(
    docs(config),
    loadPatches(order, (p) => patches[p] ?? `missing ${p}`),
  );

const applyConfig = `version: v1alpha1
machine:
  network:
    hostname: hostname1
    interfaces:
      - interface: eth0
        dhcp: true
cluster:
  proxy:
    extraArgs:
       metrics-bind-address: $(POD_IP):10249
       foo: bar
`;

const applyPatchFiles = {
  s1: "machine:\n  network:\n    interfaces:\n      - interface: eth0\n        dhcp: false\n",
  j1: "- op: add\n  path: /machine/network/interfaces/0/addresses\n  value:\n     - 10.1.2.3/24\n",
  j2: "- op: replace\n  path: /machine/network/hostname\n  value: foo\n",
  s2: `machine:
  network:
    interfaces:
      - interface: eth0
        vip:
          ip: 10.3.5.6
      - interface: eth1
        vlans:
          - vlanId: 100
            addresses: [10.3.4.5]
`,
  s3: `machine:
  network:
    interfaces:
      - interface: eth1
        vlans:
          - vlanId: 100
            addresses: [10.3.4.6]
          - vlanId: 101
            addresses: [10.3.4.7]
cluster:
  proxy:
    extraArgs:
       metrics-bind-address: $(POD_IP):10249
       foo:
         $patch: delete
`,
};

const multidocConfig = `version: v1alpha1
machine:
  network:
    hostname: hostname1
    interfaces:
      - interface: eth0
        dhcp: true
---
apiVersion: v1alpha1
kind: SideroLinkConfig
apiUrl: https://siderolink.api/join?jointoken=secret&user=alice
---
apiVersion: v1alpha1
kind: ExtensionServiceConfig
name: foo
configFiles:
    - content: hello
      mountPath: /etc/foo
environment:
    - FOO=BAR
`;

describe("Talos configpatcher testdata", () => {
  it("apply: strategic, joined JSON patches, keyed interfaces and VLANs, extraArgs key delete", () => {
    const patches = loadPatches(
      ["s1", "j1", "j2", "s2", "s3"],
      (p) => applyPatchFiles[p as keyof typeof applyPatchFiles],
    );
    expect(patches.map((p) => p.type)).toEqual(["strategic", "json6902", "strategic", "strategic"]);
    const [out] = applyPatches(docs(applyConfig), patches);
    expect(out).toEqual({
      version: "v1alpha1",
      machine: {
        network: {
          hostname: "foo",
          interfaces: [
            { interface: "eth0", dhcp: false, addresses: ["10.1.2.3/24"], vip: { ip: "10.3.5.6" } },
            {
              interface: "eth1",
              vlans: [
                { vlanId: 100, addresses: ["10.3.4.5", "10.3.4.6"] },
                { vlanId: 101, addresses: ["10.3.4.7"] },
              ],
            },
          ],
        },
      },
      cluster: { proxy: { extraArgs: { "metrics-bind-address": "$(POD_IP):10249" } } },
    });
  });

  it("multidoc: a JSON patch is refused with Talos' message", () => {
    expect(() => run(multidocConfig, applyPatchFiles, ["j1", "s1"])).toThrow(JSON6902_MULTI_DOCUMENT_ERROR);
    expect(JSON6902_MULTI_DOCUMENT_ERROR).toBe(
      "JSON6902 patches are not supported for multi-document machine configuration",
    );
  });

  it("multidoc: documents merge by apiVersion/kind; configFiles merge by mountPath", () => {
    const s2 = `apiVersion: v1alpha1
kind: SideroLinkConfig
apiUrl: https://siderolink.api/join?jointoken=secret&user=bob
---
apiVersion: v1alpha1
kind: ExtensionServiceConfig
name: foo
configFiles:
    - content: hello world
      mountPath: /etc/foo
    - content: another hello
      mountPath: /etc/bar
environment:
    - XXX=YYY
`;
    const out = run(multidocConfig, { s1: applyPatchFiles.s1, s2 }, ["s1", "s2"]);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({
      machine: { network: { interfaces: [{ interface: "eth0", dhcp: false }] } },
    });
    expect(out[1]).toEqual({
      apiVersion: "v1alpha1",
      kind: "SideroLinkConfig",
      apiUrl: "https://siderolink.api/join?jointoken=secret&user=bob",
    });
    expect(out[2]).toEqual({
      apiVersion: "v1alpha1",
      kind: "ExtensionServiceConfig",
      name: "foo",
      configFiles: [
        { content: "hello world", mountPath: "/etc/foo" },
        { content: "another hello", mountPath: "/etc/bar" },
      ],
      environment: ["FOO=BAR", "XXX=YYY"],
    });
  });

  it("auditPolicy is replaced, not merged", () => {
    const config = `version: v1alpha1
machine:
  network:
    hostname: hostname-foo
cluster:
  apiServer:
    auditPolicy:
      apiVersion: audit.k8s.io/v1
      kind: Policy
      rules:
        - level: Metadata
  controlPlane:
    endpoint: https://localhost:6443
`;
    const patch = `cluster:
  apiServer:
    auditPolicy:
      apiVersion: audit.k8s.io/v1
      kind: Policy
      rules:
        - level: None
`;
    const [out] = run(config, { p: patch }, ["p"]);
    expect(out?.cluster).toEqual({
      apiServer: {
        auditPolicy: { apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "None" }] },
      },
      controlPlane: { endpoint: "https://localhost:6443" },
    });
  });

  it("patchdelete: whole document, list element by first key, map key; the rest merges", () => {
    const config = `version: v1alpha1
machine:
  network:
    hostname: hostname1
    interfaces:
      - interface: eth0
        dhcp: true
      - interface: eth1
        addresses: [10.3.5.4/32]
---
apiVersion: v1alpha1
kind: SideroLinkConfig
apiUrl: https://siderolink.api/join?jointoken=secret&user=alice
---
apiVersion: v1alpha1
kind: ExtensionServiceConfig
name: foo
configFiles:
    - content: hello
      mountPath: /etc/foo
environment:
    - FOO=BAR
`;
    const patch = `apiVersion: v1alpha1
kind: SideroLinkConfig
$patch: delete
---
apiVersion: v1alpha1
kind: ExtensionServiceConfig
name: foo
configFiles:
  - content: hello
    $patch: delete
  - content: hello2
    mountPath: /etc/foo2
---
version: v1alpha1
machine:
  network:
    hostname:
      $patch: delete
    interfaces:
      - interface: eth0
        $patch: delete
      - interface: eth1
        addresses: [10.3.5.5/32]
      - interface: eth0
        dummy: true
`;
    const out = run(config, { p: patch }, ["p"]);
    expect(out).toEqual([
      {
        version: "v1alpha1",
        machine: {
          network: {
            interfaces: [
              { interface: "eth1", addresses: ["10.3.5.4/32", "10.3.5.5/32"] },
              { interface: "eth0", dummy: true },
            ],
          },
        },
      },
      {
        apiVersion: "v1alpha1",
        kind: "ExtensionServiceConfig",
        name: "foo",
        configFiles: [{ content: "hello2", mountPath: "/etc/foo2" }],
        environment: ["FOO=BAR"],
      },
    ]);
  });

  it("patchdelete controlplane: admission plugin by name, node label key, auditPolicy", () => {
    const config = `version: v1alpha1
machine:
  type: controlplane
  nodeLabels:
    node.kubernetes.io/exclude-from-external-load-balancers: ""
    keep: me
cluster:
  apiServer:
    admissionControl:
      - name: PodSecurity
        configuration:
          apiVersion: pod-security.admission.config.k8s.io/v1alpha1
          kind: PodSecurityConfiguration
    auditPolicy:
      apiVersion: audit.k8s.io/v1
      kind: Policy
`;
    const p2 = `version: v1alpha1
cluster:
  apiServer:
    admissionControl:
    - name: PodSecurity
      $patch: delete
machine:
  nodeLabels:
    node.kubernetes.io/exclude-from-external-load-balancers:
      $patch: delete
`;
    const p3 = `version: v1alpha1
cluster:
  apiServer:
    admissionControl:
    - name: PodSecurity2
      configuration:
        kind: PodSecurityConfiguration
    auditPolicy:
      $patch: delete
`;
    const p4 = `version: v1alpha1
cluster:
  apiServer:
    admissionControl:
    - name: PodSecurity2
      $patch: delete
`;
    const [out] = run(config, { p2, p3, p4 }, ["p2", "p3"]);
    expect(out).toEqual({
      version: "v1alpha1",
      machine: { type: "controlplane", nodeLabels: { keep: "me" } },
      cluster: {
        apiServer: {
          admissionControl: [{ name: "PodSecurity2", configuration: { kind: "PodSecurityConfiguration" } }],
        },
      },
    });
    const [after] = run(config, { p2, p3, p4 }, ["p2", "p3", "p4"]);
    expect(after?.cluster).toEqual({ apiServer: { admissionControl: [] } });
  });

  it("patchdeletemissing: deleting under a missing parent fails with Talos' message", () => {
    expect(() =>
      run(
        "version: v1alpha1\nmachine: {}\n",
        { p: "machine:\n  network:\n    hostname:\n      $patch: delete\n" },
        ["p"],
      ),
    ).toThrow(
      "patch delete: path 'machine.network.hostname' in document '/v1alpha1': failed to delete path 'machine.network.hostname': lookup failed",
    );
  });

  it("patchlink: a named document's list element is deleted by its address", () => {
    const base = `apiVersion: v1alpha1
kind: LinkConfig
name: eth0
addresses:
  - address: 10.0.42.136/24
routes:
  - gateway: 10.0.42.1
`;
    const patch = `apiVersion: v1alpha1
kind: LinkConfig
name: eth0
addresses:
  - address: 10.0.42.136/24
    $patch: delete
  - address: 10.0.42.137/24
`;
    expect(run(base, { p: patch }, ["p"])).toEqual([
      {
        apiVersion: "v1alpha1",
        kind: "LinkConfig",
        name: "eth0",
        addresses: [{ address: "10.0.42.137/24" }],
        routes: [{ gateway: "10.0.42.1" }],
      },
    ]);
  });
});
