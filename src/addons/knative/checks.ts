// Knative Serving names every service under a domain and needs a way in: the cluster's Gateway (gateway-api
// ingress, net-gateway-api) or Kourier behind a load-balancer address.
import { error, warning, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";

export function checkKnative(spec: AddonSpecView): Finding[] {
  const k = spec.addons.serverless?.knative;
  if (!k) return [];
  const out: Finding[] = [];
  const at = (f: string) => ["addons", "serverless", "knative", f];
  if (!k.serving && !k.eventing)
    out.push(
      error(
        "addons.knative-empty",
        at("serving"),
        "knative installs neither serving nor eventing",
        "set serving: true or eventing: true, or remove addons.serverless",
      ),
    );
  if (k.serving && !k.domain && !spec.addons.ingress?.domain)
    out.push(
      warning(
        "addons.knative-domain",
        at("domain"),
        "Knative Services get no reachable names: neither serverless.knative.domain nor addons.ingress.domain is set",
        "set addons.serverless.knative.domain (e.g. apps.example.com) and point its wildcard DNS at the ingress",
      ),
    );
  if (k.serving && spec.addons.ingress?.type === "gateway-api" && !spec.addons.cni)
    out.push(
      error(
        "addons.knative-gateway",
        ["addons", "ingress", "type"],
        "Knative through Gateway API needs a Gateway implementation, and no CNI add-on provides one",
        "use addons.cni.type: cilium with gatewayAPI: true",
      ),
    );
  return out;
}
