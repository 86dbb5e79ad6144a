// Where a machine config names each Kubernetes component's image, and how to move those images to another
// version without touching anything else. Up to Talos 1.13 the images live in the v1alpha1 document
// (cluster.apiServer.image, machine.kubelet.image, …); from 1.14 each component has a document of its own
// (KubeAPIServerConfig, KubeletConfig, …) and the v1alpha1 fields are gone. A config is read in whichever form it
// has, so the same code serves a node before and after it crossed the contract.
import type { Document } from "yaml";
import { parseYamlDocuments } from "../../io/yaml.js";

export type K8sComponent = "apiServer" | "controllerManager" | "scheduler" | "proxy" | "kubelet";

const V1ALPHA1_PATHS: Record<K8sComponent, string[]> = {
  apiServer: ["cluster", "apiServer", "image"],
  controllerManager: ["cluster", "controllerManager", "image"],
  scheduler: ["cluster", "scheduler", "image"],
  proxy: ["cluster", "proxy", "image"],
  kubelet: ["machine", "kubelet", "image"],
};

/** The 1.14 document holding each component's image (its `image` field). */
const DOCUMENT_KINDS: Record<K8sComponent, string> = {
  apiServer: "KubeAPIServerConfig",
  controllerManager: "KubeControllerManagerConfig",
  scheduler: "KubeSchedulerConfig",
  proxy: "KubeProxyConfig",
  kubelet: "KubeletConfig",
};

const DEFAULT_IMAGES: Record<K8sComponent, string> = {
  apiServer: "registry.k8s.io/kube-apiserver",
  controllerManager: "registry.k8s.io/kube-controller-manager",
  scheduler: "registry.k8s.io/kube-scheduler",
  proxy: "registry.k8s.io/kube-proxy",
  kubelet: "ghcr.io/siderolabs/kubelet",
};

const COMPONENTS = Object.keys(V1ALPHA1_PATHS) as K8sComponent[];

function tagOf(image: unknown): string | undefined {
  if (typeof image !== "string") return undefined;
  const name = image.split("@")[0]!;
  const colon = name.lastIndexOf(":");
  if (colon < 0 || colon < name.lastIndexOf("/")) return undefined;
  return name.slice(colon + 1).replace(/^v/, "");
}

function parse(text: string): Document[] {
  return parseYamlDocuments(text, "the machine config");
}

const v1alpha1 = (docs: Document[]): Document | undefined =>
  docs.find((d) => d.get("version") === "v1alpha1" && d.get("kind") === undefined);
const ofKind = (docs: Document[], kind: string): Document | undefined =>
  docs.find((d) => d.get("kind") === kind);
/** A config in the 1.14 form keeps Kubernetes settings in documents: never add v1alpha1 fields to it. */
const documentForm = (docs: Document[]): boolean =>
  COMPONENTS.some((c) => ofKind(docs, DOCUMENT_KINDS[c]) !== undefined);

/** Kubernetes component versions in a machine config (tags of the images it names, without "v"). */
export function componentVersions(configText: string): Partial<Record<K8sComponent, string>> {
  const docs = parse(configText);
  const main = v1alpha1(docs);
  const out: Partial<Record<K8sComponent, string>> = {};
  for (const c of COMPONENTS) {
    const t = tagOf(ofKind(docs, DOCUMENT_KINDS[c])?.get("image")) ?? tagOf(main?.getIn(V1ALPHA1_PATHS[c]));
    if (t) out[c] = t;
  }
  return out;
}

/**
 * The config with the given components' images moved to `version`, everything else as it was (YAML documents
 * edited in place). In the v1alpha1 form a component without an image gets the upstream default repository; in
 * the document form a component without its document is left out (a worker runs no API server).
 */
export function setComponentVersions(
  configText: string,
  components: readonly K8sComponent[],
  version: string,
): string {
  const docs = parse(configText);
  const main = v1alpha1(docs);
  const documents = documentForm(docs);
  if (!main && !documents) throw new Error("the machine config has no v1alpha1 document");
  const retag = (current: unknown, c: K8sComponent): string => {
    const repo =
      typeof current === "string" && current.lastIndexOf(":") > current.lastIndexOf("/")
        ? current.slice(0, current.lastIndexOf(":"))
        : DEFAULT_IMAGES[c];
    return `${repo}:v${version}`;
  };
  for (const c of components) {
    const doc = ofKind(docs, DOCUMENT_KINDS[c]);
    if (doc) {
      doc.set("image", retag(doc.get("image"), c));
      continue;
    }
    if (documents || !main) continue;
    const path = V1ALPHA1_PATHS[c];
    if (c !== "kubelet" && !main.hasIn(["cluster"])) continue;
    main.setIn(path, retag(main.getIn(path), c));
  }
  return docs.map((d) => d.toString()).join("---\n");
}

/** The config with every image it names moved to `version` (what `upgrade kubernetes` makes of it). */
export function withKubernetesAt(configText: string, version: string): string {
  const now = componentVersions(configText);
  const behind = (Object.keys(now) as K8sComponent[]).filter((c) => now[c] !== version);
  return behind.length ? setComponentVersions(configText, behind, version) : configText;
}
