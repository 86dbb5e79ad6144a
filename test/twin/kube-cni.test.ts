// "NotReady until the CNI runs", simulated: with cluster.network.cni.name none the twin's Nodes register NotReady
// (and cairn's check says no CNI is installed); the config's inline manifests are applied at bootstrap, CRDs before
// their resources; a Job tolerating the not-ready taint runs before any CNI, and cairn's bootstrap Job leaves the
// workloads its cairn.dev/installs annotation lists (simulated); once a CNI DaemonSet is applied its pods start and
// every Node turns Ready.
import { afterAll, beforeAll, expect, test } from "vitest";
import { cniReady, nodesReady, openKube, waitUntil, type KubeClient } from "../../src/kube/index.js";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { kubectl, type Kubectl } from "../helpers/kubectl.js";
import { bootstrap, clientCert } from "./helpers.js";
import { adminKubeconfigFile, configureWith, waitForKubeApi } from "./kube-helpers.js";
import { readFileSync } from "node:fs";

let twin: Twin;
let k: Kubectl;
let kube: KubeClient;

const INLINE = `    inlineManifests:
        - name: extras
          contents: |-
            apiVersion: example.com/v1
            kind: Gadget
            metadata:
              name: g1
              namespace: kube-system
            spec:
              size: 2
            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: gadgets.example.com
            spec:
              group: example.com
              scope: Namespaced
              names: { plural: gadgets, singular: gadget, kind: Gadget }
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema:
                      type: object
                      properties:
                        spec:
                          type: object
                          properties:
                            size: { type: integer }
`;

function noCni(config: string, role: string): string {
  let out = config.replace(
    "    network:\n        dnsDomain",
    "    network:\n        cni:\n            name: none\n        dnsDomain",
  );
  if (role === "controlplane") out = out.replace("    controlPlane:\n", `${INLINE}    controlPlane:\n`);
  return out;
}

beforeAll(async () => {
  twin = await startTwin({ controlplanes: 1, workers: 1, subnet: "127.0.124.0/24", rebootMs: 200 });
  await configureWith(twin, noCni);
  await bootstrap(twin, await clientCert(["os:admin"]));
  await waitForKubeApi(twin, twin.nodes[0]!);
  const file = await adminKubeconfigFile(twin.nodes[0]!);
  k = kubectl(file);
  kube = openKube({ kubeconfig: readFileSync(file, "utf8") });
}, 90_000);

afterAll(async () => {
  kube?.close();
  await twin?.stop();
});

test("without a CNI the nodes register NotReady, and cairn says no CNI is installed", async () => {
  await waitUntil(
    "both nodes registered",
    async () => {
      const r = await nodesReady(kube, ["cp-1", "worker-1"]);
      return { ...r, ok: !r.waitingFor.some((w) => w.includes("not registered")) };
    },
    { timeoutMs: 20_000 },
  );
  await new Promise((r) => setTimeout(r, 1000));
  const nodes = await k(["get", "nodes"]);
  expect(nodes.out).toMatch(/cp-1\s+NotReady/);
  expect(nodes.out).toMatch(/worker-1\s+NotReady/);
  const r = await nodesReady(kube, ["cp-1", "worker-1"]);
  expect(r.waitingFor.join("\n")).toMatch(/cni plugin not initialized/);
  const cni = await cniReady(kube, ["cp-1", "worker-1"]);
  expect(cni.ok).toBe(false);
  expect(cni.detail).toMatch(/^no CNI installed/);
  // CoreDNS cannot schedule onto NotReady nodes.
  const dns = await k(["-n", "kube-system", "get", "pods", "-l", "k8s-app=kube-dns"]);
  expect(dns.out).toMatch(/Pending/);
});

test("inline manifests are applied at bootstrap, the CRD before its custom resource", async () => {
  const g = await k(["-n", "kube-system", "get", "gadget", "g1", "-o", "jsonpath={.spec.size}"]);
  expect(g.err).toBe("");
  expect(g.out).toBe("2");
});

const BOOTSTRAP_JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: cairn-bootstrap
  namespace: kube-system
  annotations:
    cairn.dev/installs: '[{"kind":"Deployment","namespace":"demo-system","name":"demo-operator","hostNetwork":true}]'
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: OnFailure
      hostNetwork: true
      nodeSelector: { node-role.kubernetes.io/control-plane: "" }
      tolerations: [{ operator: Exists }]
      containers: [{ name: install, image: "busybox:1.37", command: ["true"] }]
`;

test("a Job that tolerates the not-ready taint runs before any CNI; cairn's bootstrap Job leaves what it installs", async () => {
  // Nothing is Ready yet, yet the host-network Job pod lands on the control plane (as kube-scheduler places it).
  expect((await nodesReady(kube, ["cp-1"])).ok).toBe(false);
  const applied = await k(["apply", "-f", "-"], BOOTSTRAP_JOB);
  expect(applied.code, applied.err).toBe(0);
  const done = await k(
    ["-n", "kube-system", "wait", "--for=condition=complete", "job/cairn-bootstrap", "--timeout=60s"],
    undefined,
    90_000,
  );
  expect(done.code, done.err + done.out).toBe(0);
  const where = await k([
    "-n",
    "kube-system",
    "get",
    "pods",
    "-l",
    "job-name=cairn-bootstrap",
    "-o",
    "jsonpath={.items[*].spec.nodeName}",
  ]);
  expect(where.out.trim()).toBe("cp-1");
  // What its annotation lists appears, simulated, in its namespace, and rolls out on the host network.
  const rolled = await k(
    ["-n", "demo-system", "rollout", "status", "deployment/demo-operator", "--timeout=60s"],
    undefined,
    90_000,
  );
  expect(rolled.code, rolled.err + rolled.out).toBe(0);
  expect(rolled.out).toContain('deployment "demo-operator" successfully rolled out');
  const ann = await k([
    "-n",
    "demo-system",
    "get",
    "deployment",
    "demo-operator",
    "-o",
    "jsonpath={.metadata.annotations.cairn\\.dev/simulated}",
  ]);
  expect(ann.out).toBe("true");
  // A pod that does not tolerate not-ready (CoreDNS) still waits for a Ready node.
  const dns = await k([
    "-n",
    "kube-system",
    "get",
    "pods",
    "-l",
    "k8s-app=kube-dns",
    "-o",
    "jsonpath={.items[*].status.phase}",
  ]);
  expect(dns.out).not.toMatch(/Running/);
}, 150_000);

test("applying a CNI DaemonSet turns every node Ready and lets CoreDNS run", async () => {
  const cilium = `apiVersion: apps/v1
kind: DaemonSet
metadata: { name: cilium, namespace: kube-system }
spec:
  selector: { matchLabels: { k8s-app: cilium } }
  template:
    metadata: { labels: { k8s-app: cilium } }
    spec:
      hostNetwork: true
      tolerations: [{ operator: Exists }]
      containers: [{ name: cilium-agent, image: "quay.io/cilium/cilium:v1.18.0" }]
`;
  const applied = await k(["apply", "-f", "-"], cilium);
  expect(applied.err).toBe("");
  const waited = await k(["wait", "--for=condition=Ready", "node/cp-1", "node/worker-1", "--timeout=30s"]);
  expect(waited.code, waited.err).toBe(0);
  // The Node's Ready and its CNI pod's Ready are separate writes (the kubelet's and the pod's status), so a reader
  // may see one a moment before the other, as cairn's gates do: they poll, and so does this.
  await waitUntil("the CNI's pod ready on both nodes", () => cniReady(kube, ["cp-1", "worker-1"]), {
    timeoutMs: 10_000,
  });
  const dns = await k(["-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=30s"]);
  expect(dns.code, dns.err).toBe(0);
});
