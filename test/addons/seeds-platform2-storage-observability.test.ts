// The platform, part 2 (storage, observability, Spegel, CoreDNS, generic charts): each seed's own objects read back
// from the rendered bytes — the GitOps files and the machine configs a user would find — plus what `cairn validate`
// refuses. Talos facts are checked against the Talos config schemas (validateTalosDocuments), objects against the
// reference schemas in the examples test.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { loadSpecFile, loadSpecText } from "../../src/clusterspec/load.js";
import { gitopsTree } from "../../src/gitops/index.js";
import { renderMachineConfigs } from "../../src/render/machine-configs.js";
import { validateTalosDocuments } from "../../src/talos/config/validate.js";
import { parseSecretsBundle } from "../../src/talos/secrets/format.js";
import { REPO_ROOT, TALOS_GOLDEN } from "../helpers/shared.js";

// Parsed YAML, read freely in assertions: the expectations themselves check every value they touch.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: Loose;
};

const secrets = parseSecretsBundle(
  readFileSync(`${TALOS_GOLDEN}secrets.yaml`, "utf8"),
  "golden/secrets.yaml",
);

function rendered(model: NonNullable<ReturnType<typeof loadSpecText>["model"]>) {
  const tree = gitopsTree(model);
  const objects: (Obj & { file: string })[] = tree.files.flatMap((f) =>
    parseAllDocuments(f.content)
      .map((d) => ({ ...(d.toJS() as Obj), file: f.path }))
      .filter((o) => o.kind && o.apiVersion !== "kustomize.config.k8s.io/v1beta1"),
  );
  const find = (kind: string, name: string) => {
    const hits = objects.filter((o) => o.kind === kind && o.metadata.name === name);
    expect(hits.length, `${kind} ${name}`).toBe(1);
    return hits[0]!;
  };
  const configs = renderMachineConfigs(model, secrets, () => "").map((c) => ({
    ...c,
    docs: parseAllDocuments(c.text).map((d) => d.toJS() as Loose),
  }));
  return { tree, objects, find, configs, release: (name: string) => find("HelmRelease", name) };
}

function example(file: string) {
  const r = loadSpecFile(join(REPO_ROOT, "examples", file));
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics, null, 1));
  return { ...rendered(r.model), diagnostics: r.diagnostics };
}

/** A small spec with the given addons block; `talos` and extra networks vary per case. */
function spec(addons: string, opts: { talos?: string; kubernetes?: string; nodes?: number } = {}): string {
  const n = opts.nodes ?? 3;
  const nodes: string[] = [];
  for (let i = 1; i <= n; i++)
    nodes.push(
      `  - name: cp-${i}\n    role: controlplane\n    static: { address: 192.168.1.${10 + i} }\n` +
        `    interfaces: [{ network: lan, name: eth0, address: 192.168.1.${10 + i} }, { network: san, name: eth1, address: 10.10.10.${10 + i} }]`,
    );
  return [
    "apiVersion: cairn.dev/v1alpha1",
    "kind: Cluster",
    "name: lab",
    `talos: { version: ${opts.talos ?? "v1.11.5"} }`,
    `kubernetes: { version: ${opts.kubernetes ?? "1.33.4"}, allowSchedulingOnControlPlanes: true }`,
    "networks:",
    "  lan: { cidr: 192.168.1.0/24, gateway: 192.168.1.1, carries: [management, loadBalancers] }",
    "  san: { cidr: 10.10.10.0/24, carries: [storage] }",
    "provider: { type: static }",
    "nodes:",
    ...nodes,
    "addons:",
    addons,
    "",
  ].join("\n");
}

const findings = (text: string) =>
  loadSpecText(text, "cairn.yaml")
    .diagnostics.filter((d) => d.code !== "addons.no-gitops")
    .map((d) => `${d.severity} ${d.code} ${d.path}`);

const model = (text: string) => {
  const r = loadSpecText(text, "cairn.yaml");
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics, null, 1));
  return r.model;
};

describe("seed 000: external Ceph and kube-prometheus-stack", () => {
  const p = example("homelab-proxmox-vlans.yaml");

  it("provisions StorageClass ceph-rbd through rbd.csi.ceph.com on the seed's cluster, monitors and pool", () => {
    const sc = p.find("StorageClass", "ceph-rbd");
    expect(sc.provisioner).toBe("rbd.csi.ceph.com");
    expect(sc.parameters.clusterID).toBe("ceph-cluster-id");
    expect(sc.parameters.pool).toBe("vm-disks");
    expect(sc.parameters.imageFeatures).toBe("layering");
    // The seed's secret reference, for provisioning, expansion and staging alike; nothing secret is rendered.
    for (const what of ["provisioner", "controller-expand", "node-stage"]) {
      expect(sc.parameters[`csi.storage.k8s.io/${what}-secret-name`]).toBe("ceph-secret");
      expect(sc.parameters[`csi.storage.k8s.io/${what}-secret-namespace`]).toBe("ceph-csi-rbd");
    }
    expect(sc.metadata).toMatchObject({
      annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
    });
    expect(p.objects.filter((o) => o.kind === "Secret")).toEqual([]);
    const v = p.release("ceph-csi-rbd").spec.values;
    expect(v.csiConfig).toEqual([
      {
        clusterID: "ceph-cluster-id",
        monitors: ["10.30.30.10:6789", "10.30.30.11:6789", "10.30.30.12:6789"],
      },
    ]);
    // Talos' /etc is read-only: no /etc/selinux host mount (ceph-csi#2876).
    expect(v.selinuxMount).toBe(false);
    expect(p.find("HelmRepository", "ceph-csi-rbd").spec.url).toBe("https://ceph.github.io/csi-charts");
    const ns = p.find("Namespace", "ceph-csi-rbd");
    expect(ns.metadata).toMatchObject({ labels: { "pod-security.kubernetes.io/enforce": "privileged" } });
    // The StorageClass waits for the driver: configs layer, after controllers.
    expect(p.objects.find((o) => o.kind === "StorageClass")!.file).toMatch(/^configs\/ceph-csi\//);
  });

  it("runs kube-prometheus-stack with Grafana on 10.8.28.194 from homelab-pool", () => {
    const hr = p.release("kube-prometheus-stack");
    expect(hr.metadata.namespace).toBe("monitoring");
    expect(hr.spec.chart.spec).toMatchObject({ chart: "kube-prometheus-stack" });
    expect(p.find("HelmRepository", "kube-prometheus-stack").spec.url).toBe(
      "https://prometheus-community.github.io/helm-charts",
    );
    const g = hr.spec.values.grafana;
    expect(g.enabled).toBe(true);
    expect(g.service.type).toBe("LoadBalancer");
    expect(g.service.annotations).toEqual({
      "metallb.io/loadBalancerIPs": "10.8.28.194",
      "metallb.io/address-pool": "homelab-pool",
    });
    const v = hr.spec.values;
    // etcd is a host service on Talos: scraped at the control planes' addresses, on the port the patch opens.
    expect(v.kubeEtcd.endpoints).toEqual(["10.8.16.20", "10.8.16.21", "10.8.16.22"]);
    expect(v.kubeEtcd.service).toEqual({ port: 2381, targetPort: 2381 });
    expect(v.kubeControllerManager.service).toEqual({ port: 10257, targetPort: 10257 });
    expect(v.kubeScheduler.service).toEqual({ port: 10259, targetPort: 10259 });
    // Cilium replaces kube-proxy: nothing to scrape there.
    expect(v.kubeProxy.enabled).toBe(false);
    expect(hr.spec.dependsOn).toEqual([{ name: "cilium", namespace: "kube-system" }]);
  });

  it("opens the control plane's metrics in every control plane's machine config", () => {
    for (const c of p.configs.filter((x) => x.role === "controlplane")) {
      const cluster = c.docs[0].cluster;
      expect(cluster.controllerManager.extraArgs["bind-address"]).toBe("0.0.0.0");
      expect(cluster.scheduler.extraArgs["bind-address"]).toBe("0.0.0.0");
      expect(cluster.etcd.extraArgs["listen-metrics-urls"]).toBe("http://0.0.0.0:2381");
      expect(validateTalosDocuments(c.text, "1.8"), c.node).toEqual([]);
    }
  });
});

describe("seed 003: Rook-Ceph on the ceph network, Spegel, CoreDNS, Flux", () => {
  const p = example("home-ops-ceph.yaml");

  it("keeps Ceph's replication on 10.10.10.0/24 and its clients on the management network", () => {
    const operator = p.release("rook-ceph");
    expect(operator.metadata.namespace).toBe("rook-ceph");
    expect(p.find("HelmRepository", "rook-ceph").spec.url).toBe("https://charts.rook.io/release");
    const cluster = p.release("rook-ceph-cluster");
    expect(cluster.spec.dependsOn).toEqual([{ name: "rook-ceph", namespace: "rook-ceph" }]);
    const v = cluster.spec.values;
    expect(v.operatorNamespace).toBe("rook-ceph");
    expect(v.cephClusterSpec.network).toEqual({
      provider: "host",
      addressRanges: { public: ["192.168.5.0/24"], cluster: ["10.10.10.0/24"] },
    });
    expect(v.cephClusterSpec.mon).toEqual({ count: 3 });
    const pool = v.cephBlockPools[0];
    expect(pool.storageClass).toMatchObject({ name: "ceph-block", isDefault: true });
    expect(pool.spec.replicated).toEqual({ size: 3 });
    expect(p.find("Namespace", "rook-ceph").metadata.labels!["pod-security.kubernetes.io/enforce"]).toBe(
      "privileged",
    );
  });

  it("runs Spegel with containerd keeping unpacked layers on every node", () => {
    const hr = p.release("spegel");
    expect(hr.spec.chartRef).toEqual({ kind: "OCIRepository", name: "spegel" });
    expect(p.find("OCIRepository", "spegel").spec.url).toBe("oci://ghcr.io/spegel-org/helm-charts/spegel");
    expect(hr.spec.values.spegel.containerdRegistryConfigPath).toBe("/etc/cri/conf.d/hosts");
    expect(p.configs).toHaveLength(3);
    for (const c of p.configs) {
      const files = c.docs[0].machine.files as { path: string; content: string; op: string }[];
      const part = files.find((f) => f.path === "/var/etc/cri/conf.d/20-spegel.part");
      expect(part, c.node).toBeDefined();
      expect(part!.op).toBe("create");
      expect(part!.content).toContain('[plugins."io.containerd.cri.v1.images"]');
      expect(part!.content).toContain("discard_unpacked_layers = false");
      // The user's own file (nfsmount.conf) is still there: lists append.
      expect(files.map((f) => f.path)).toContain("/etc/nfsmount.conf");
      expect(validateTalosDocuments(c.text, "1.11"), c.node).toEqual([]);
    }
  });

  it("replaces Talos' CoreDNS with the chart's, installed before Flux, on the kubelets' DNS address", () => {
    for (const c of p.configs) expect(c.docs[0].cluster.coreDNS).toEqual({ disabled: true });
    const hr = p.release("coredns");
    expect(hr.metadata.namespace).toBe("kube-system");
    const v = hr.spec.values;
    expect(v.service).toEqual({ name: "kube-dns", clusterIP: "10.43.0.10" });
    expect(v.k8sAppLabelOverride).toBe("kube-dns");
    const k8s = v.servers[0].plugins.find((x: Loose) => x.name === "kubernetes");
    expect(k8s.parameters).toBe("cluster.local in-addr.arpa ip6.arpa");
    // The bootstrap Job installs it between Cilium and Flux, with the HelmRelease's values.
    const manifests = p.configs.find((c) => c.role === "controlplane")!.docs[0].cluster.inlineManifests;
    const docs = (manifests[0].contents as string).split(/^---$/m).map((d) => parse(d) as Loose);
    const job = docs.find((d) => d.kind === "Job").spec.template.spec;
    const steps = [...job.initContainers, ...job.containers].map((x: Loose) => x.name);
    expect(steps).toEqual(["cilium", "coredns", "flux"]);
    const cm = docs.find((d) => d.kind === "ConfigMap");
    expect(parse(cm.data["coredns-values.yaml"])).toEqual(v);
    const step = job.initContainers.find((x: Loose) => x.name === "coredns");
    expect(step.command.slice(0, 5)).toEqual(["helm", "upgrade", "--install", "coredns", "coredns"]);
  });

  it("syncs from the seed's repository through Flux, VolSync among the releases", () => {
    const git = p.find("GitRepository", "flux-system");
    expect(git.spec.url).toBe("https://github.com/tscibilia/home-ops");
    expect(p.find("Kustomization", "flux-system").spec.path).toBe("./kubernetes/flux/cluster");
    const vs = p.release("volsync");
    expect(vs.metadata.namespace).toBe("volsync-system");
    expect(vs.spec.chart.spec).toMatchObject({ chart: "volsync", version: "0.13.0" });
    expect(vs.spec.dependsOn).toEqual([{ name: "rook-ceph-cluster", namespace: "rook-ceph" }]);
    expect(p.find("HelmRepository", "volsync").spec.url).toBe("https://backube.github.io/helm-charts");
    expect(p.find("Namespace", "volsync-system").file).toBe("controllers/charts/namespace.yaml");
  });
});

describe("seed 002: an OTLP collector on every node, and the GitLab agent", () => {
  const p = example("platform-cilium-gateway.yaml");

  it("exports metrics, logs and traces over OTLP/gRPC to the external gateway", () => {
    const hr = p.release("opentelemetry-collector");
    const v = hr.spec.values;
    expect(v.mode).toBe("daemonset");
    expect(v.image.repository).toBe("otel/opentelemetry-collector-contrib");
    expect(v.command).toEqual({ name: "otelcol-contrib" });
    expect(v.config.exporters).toEqual({
      otlp: { endpoint: "otel-gateway.home.shdr.ch:4317", tls: { insecure: true } },
    });
    for (const signal of ["metrics", "logs", "traces"])
      expect(v.config.service.pipelines[signal].exporters).toEqual(["otlp"]);
    expect(v.presets.logsCollection).toEqual({ enabled: true });
    expect(p.find("Namespace", "opentelemetry").metadata.labels!["pod-security.kubernetes.io/enforce"]).toBe(
      "privileged",
    );
    // No Prometheus in this cluster (it stays on the monitoring VM): no control-plane patches either.
    expect(
      p.objects.some((o) => o.kind === "HelmRelease" && o.metadata.name === "kube-prometheus-stack"),
    ).toBe(false);
    for (const c of p.configs)
      expect(c.docs[0].cluster.scheduler?.extraArgs?.["bind-address"]).toBeUndefined();
  });

  it("installs the GitLab agent as a generic chart, its token by reference", () => {
    const hr = p.release("gitlab-agent");
    expect(hr.spec.values.config).toEqual({
      kasAddress: "wss://gitlab.home.shdr.ch/-/kubernetes-agent/",
      secretName: "gitlab-agent-token",
    });
    expect(p.find("HelmRepository", "gitlab-agent").spec.url).toBe("https://charts.gitlab.io");
  });
});

describe("single node: local-path", () => {
  const p = example("single-node.yaml");

  it("provisions volumes under /var/local-path-provisioner, bind-mounted into the kubelet", () => {
    const sc = p.find("StorageClass", "local-path");
    expect(sc.provisioner).toBe("rancher.io/local-path");
    expect(sc.volumeBindingMode).toBe("WaitForFirstConsumer");
    const cm = p.find("ConfigMap", "local-path-config");
    expect(JSON.parse(cm.data["config.json"])).toEqual({
      nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: ["/var/local-path-provisioner"] }],
    });
    expect(parse(cm.data["helperPod.yaml"]).kind).toBe("Pod");
    expect(p.find("Deployment", "local-path-provisioner").metadata.namespace).toBe("local-path-storage");
    for (const c of p.configs) {
      expect(c.docs[0].machine.kubelet.extraMounts).toEqual([
        {
          destination: "/var/local-path-provisioner",
          type: "bind",
          source: "/var/local-path-provisioner",
          options: ["bind", "rshared", "rw"],
        },
      ]);
      expect(validateTalosDocuments(c.text, "1.12"), c.node).toEqual([]);
    }
  });
});

describe("Talos 1.14: the patches move into their documents", () => {
  it("puts the scheduler, controller-manager and CoreDNS settings in KubeSchedulerConfig, KubeControllerManagerConfig, KubeCoreDNSConfig", () => {
    const m = model(
      spec("  observability: { prometheus: true }\n  coredns: { replicas: 3 }", {
        talos: "v1.14.0",
        kubernetes: "1.35.0",
      }),
    );
    const configs = renderMachineConfigs(m, secrets, () => "");
    const cp = configs.find((c) => c.role === "controlplane")!;
    expect(validateTalosDocuments(cp.text, m.contract)).toEqual([]);
    const docs = parseAllDocuments(cp.text).map((d) => d.toJS() as Loose);
    const kind = (k: string) => docs.filter((d) => d.kind === k);
    expect(kind("KubeSchedulerConfig")[0].extraArgs).toMatchObject({ "bind-address": "0.0.0.0" });
    expect(kind("KubeControllerManagerConfig")[0].extraArgs).toMatchObject({ "bind-address": "0.0.0.0" });
    expect(kind("KubeCoreDNSConfig")[0]).toMatchObject({ enabled: false });
    const v1 = docs.find((d) => d.version === "v1alpha1");
    expect(v1.cluster.etcd.extraArgs["listen-metrics-urls"]).toBe("http://0.0.0.0:2381");
  });
});

describe("cairn validate", () => {
  it("accepts a full platform-2 spec", () => {
    expect(
      findings(
        spec(
          [
            "  loadBalancer: { type: metallb, pools: [{ name: lan, addresses: [192.168.1.200-192.168.1.220] }] }",
            "  storage: { type: rook-ceph, network: san }",
            "  observability: { prometheus: true, grafana: { loadBalancerIP: 192.168.1.201, pool: lan }, otel: { endpoint: 'https://otel.example:4318', protocol: http } }",
            "  spegel: {}",
            "  coredns: {}",
            "  charts: [{ name: volsync, namespace: volsync-system, repository: https://backube.github.io/helm-charts, chart: volsync, version: 0.13.0 }]",
          ].join("\n"),
        ),
      ),
    ).toEqual([]);
  });

  it("refuses ceph-csi without the external cluster, and settings of another storage type", () => {
    expect(findings(spec("  storage: { type: ceph-csi }"))).toEqual([
      "error addons.ceph-csi-cluster addons.storage.ceph",
    ]);
    expect(
      findings(
        spec(
          "  storage: { type: local-path, network: san, ceph: { clusterID: x, monitors: [a:6789], pool: p } }",
          { nodes: 1 },
        ),
      ),
    ).toEqual([
      "warning addons.storage-field addons.storage.network",
      "error addons.storage-field addons.storage.ceph",
    ]);
    expect(
      findings(
        spec(
          "  storage: { type: ceph-csi, ceph: { clusterID: x, monitors: ['10.0.0.1:notaport'], pool: p } }",
        ),
      ),
    ).toEqual(["error addons.ceph-monitor addons.storage.ceph.monitors[0]"]);
    expect(findings(spec("  storage: { type: longhorn }"))).toEqual([
      "warning addons.not-rendered addons.storage.type",
    ]);
  });

  it("refuses a Rook-Ceph network that is missing or that a storage node is not on", () => {
    expect(findings(spec("  storage: { type: rook-ceph, network: nope }"))).toEqual([
      "error addons.unknown-network addons.storage.network",
    ]);
    expect(findings(spec("  storage: { type: rook-ceph, network: lan }"))).toEqual([
      "error addons.storage-network-role addons.storage.network",
    ]);
    const offNet = spec("  storage: { type: rook-ceph, network: san }").replace(
      ", { network: san, name: eth1, address: 10.10.10.13 }",
      "",
    );
    expect(offNet).not.toContain("10.10.10.13");
    expect(findings(offNet)).toEqual(["error addons.storage-network addons.storage.network"]);
    expect(
      loadSpecText(offNet, "cairn.yaml").diagnostics.find((d) => d.code === "addons.storage-network")!
        .message,
    ).toMatch(/OSDs run on cp-1, cp-2, cp-3, which.*|cp-3, which has no interface on network san/);
    expect(findings(spec("  storage: { type: rook-ceph }", { nodes: 1 }))).toEqual([
      "warning addons.rook-ceph-hosts addons.storage.type",
    ]);
  });

  it("refuses a Grafana address outside every pool, or without a load balancer", () => {
    const lb =
      "  loadBalancer: { type: metallb, pools: [{ name: lan, addresses: [192.168.1.200-192.168.1.220] }] }\n";
    expect(findings(spec(`${lb}  observability: { grafana: { loadBalancerIP: 192.168.1.250 } }`))).toEqual([
      "error addons.grafana-address addons.observability.grafana.loadBalancerIP",
    ]);
    expect(findings(spec(`${lb}  observability: { grafana: { pool: other } }`))).toEqual([
      "error addons.grafana-pool addons.observability.grafana.pool",
    ]);
    expect(findings(spec("  observability: { grafana: { loadBalancerIP: 192.168.1.201 } }"))).toEqual([
      "error addons.grafana-address addons.observability.grafana",
    ]);
    expect(findings(spec("  observability: { loki: true }"))).toEqual([
      "warning addons.not-rendered addons.observability.loki",
    ]);
  });

  it("refuses an OTLP endpoint the exporter cannot dial", () => {
    for (const endpoint of ["otel.example:4317", "http://otel.example", "ftp://otel.example:4317"])
      expect(findings(spec(`  observability: { otel: { endpoint: '${endpoint}' } }`)), endpoint).toEqual([
        "error addons.otel-endpoint addons.observability.otel.endpoint",
      ]);
  });

  it("refuses Spegel before Talos 1.9, and warns that local-path lacks its kubelet mount on Talos 1.14", () => {
    expect(findings(spec("  spegel: {}", { talos: "v1.8.3", kubernetes: "1.31.1" }))).toEqual([
      "error addons.spegel-talos addons.spegel",
    ]);
    expect(findings(spec("  spegel: {}", { talos: "v1.14.0", kubernetes: "1.35.0" }))).toEqual([]);
    expect(
      findings(spec("  storage: { type: local-path }", { talos: "v1.14.0", kubernetes: "1.35.0", nodes: 1 })),
    ).toEqual(["warning addons.local-path-talos addons.storage.type"]);
    expect(findings(spec("  storage: { type: local-path }"))).toEqual([
      "warning addons.local-path-nodes addons.storage.type",
    ]);
  });

  it("refuses generic charts without a chart, depending on themselves, or named twice", () => {
    const chart = (extra: string) => `  charts: [${extra}]`;
    expect(
      findings(spec(chart("{ name: a, namespace: x, repository: https://charts.example, version: 1.0.0 }"))),
    ).toEqual(["error addons.chart-name addons.charts[0].chart"]);
    expect(
      findings(spec(chart("{ name: a, namespace: x, repository: 'oci://ghcr.io', version: 1.0.0 }"))),
    ).toEqual(["error addons.chart-repository addons.charts[0].repository"]);
    expect(
      findings(spec(chart("{ name: a, namespace: x, repository: 'git@host:x', version: 1.0.0 }"))),
    ).toEqual([
      "error addons.chart-name addons.charts[0].chart",
      "error addons.chart-repository addons.charts[0].repository",
    ]);
    expect(
      findings(
        spec(
          chart("{ name: a, namespace: x, repository: 'oci://ghcr.io/o/a', version: 1.0.0, dependsOn: [a] }"),
        ),
      ),
    ).toEqual(["error addons.chart-depends addons.charts[0].dependsOn"]);
    expect(
      findings(
        spec(
          chart(
            "{ name: a, namespace: x, repository: 'oci://ghcr.io/o/a', version: 1.0.0 }, { name: a, namespace: y, repository: 'oci://ghcr.io/o/b', version: 1.0.0 }",
          ),
        ),
      ),
    ).toEqual(["error addons.chart-duplicate addons.charts[1].name"]);
  });

  it("renders an oci:// chart through an OCIRepository, and names a dependency no add-on renders", () => {
    const ok = rendered(
      model(
        spec(
          "  charts: [{ name: agent, namespace: agents, repository: 'oci://ghcr.io/o/charts/agent', version: 2.0.0, values: { a: { b: 1 } } }]",
        ),
      ),
    );
    expect(ok.find("OCIRepository", "agent").spec).toMatchObject({
      url: "oci://ghcr.io/o/charts/agent",
      ref: { tag: "2.0.0" },
    });
    expect(ok.release("agent").spec.values).toEqual({ a: { b: 1 } });
    const bad = model(
      spec(
        "  charts: [{ name: agent, namespace: agents, repository: 'oci://ghcr.io/o/agent', version: 2.0.0, dependsOn: [cilium] }]",
      ),
    );
    expect(() => gitopsTree(bad)).toThrow(/agent depends on cilium, which this cluster does not render/);
    const clash = model(
      spec(
        "  cni: { type: cilium }\n  charts: [{ name: cilium, namespace: kube-system, repository: 'oci://ghcr.io/o/cilium', version: 2.0.0 }]",
      ),
    );
    expect(() => gitopsTree(clash)).toThrow(/two releases are named cilium/);
  });

  it("renders the same tree twice", () => {
    const text = spec(
      "  storage: { type: rook-ceph, network: san }\n  observability: { prometheus: true, grafana: true }\n  spegel: {}\n  coredns: {}",
    );
    expect(gitopsTree(model(text)).files).toEqual(gitopsTree(model(text)).files);
  });
});
