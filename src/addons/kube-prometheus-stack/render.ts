// kube-prometheus-stack on Talos (research §6.1): Talos binds kube-controller-manager and kube-scheduler to
// 127.0.0.1 and gives etcd no metrics listener, so the control planes get bind-address 0.0.0.0 and etcd
// listen-metrics-urls on :2381 (etcd picks the new flag up when it restarts); etcd is a host service, not a pod, so
// Prometheus scrapes the control planes' addresses as fixed endpoints. The components serve their metrics over
// HTTPS with self-signed certificates. node-exporter needs host access: the namespace is privileged. Without
// kube-proxy (Cilium's replacement) there is nothing to scrape for it.
import { namespace } from "../objects.js";
import { loadBalancerRequest } from "../spec-facts.js";
import { emptyOutput, type AddonContext, type AddonOutput } from "../types.js";
import { KUBE_PROMETHEUS_STACK_CHART } from "./versions.js";

const MONITORING_NAMESPACE = "monitoring";
const ETCD_METRICS_PORT = 2381;

export function renderKubePrometheusStack(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const spec = ctx.spec;
  const o = spec.addons.observability!;
  const grafana = o.grafana !== false;
  const g = typeof o.grafana === "object" ? o.grafana : {};
  const kpr = spec.addons.cni?.type === "cilium" && spec.addons.cni.kubeProxyReplacement === true;
  const controlPlanes = ctx.nodes
    .filter((n) => n.role === "controlplane" && n.address)
    .map((n) => n.address!);
  const secure = (port: number) => ({
    service: { port, targetPort: port },
    serviceMonitor: { https: true, insecureSkipVerify: true },
  });
  const grafanaValues: Record<string, unknown> = { enabled: grafana };
  if (grafana && (g.loadBalancerIP || g.pool)) {
    const req = loadBalancerRequest(spec, g.loadBalancerIP, g.pool);
    grafanaValues.service = {
      type: "LoadBalancer",
      ...(Object.keys(req.annotations).length ? { annotations: req.annotations } : {}),
      ...(Object.keys(req.labels).length ? { labels: req.labels } : {}),
    };
  }
  out.objects.push({ layer: "controllers", object: namespace(MONITORING_NAMESPACE, { privileged: true }) });
  out.releases.push({
    name: "kube-prometheus-stack",
    namespace: MONITORING_NAMESPACE,
    chart: { ...KUBE_PROMETHEUS_STACK_CHART },
    values: {
      prometheus: {
        enabled: o.prometheus,
        prometheusSpec: {
          retention: o.retention,
          // Pick up every ServiceMonitor and PodMonitor, not only the chart's own.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
        },
      },
      alertmanager: { enabled: o.prometheus },
      kubeControllerManager: { enabled: o.prometheus, ...secure(10257) },
      kubeScheduler: { enabled: o.prometheus, ...secure(10259) },
      kubeEtcd: {
        enabled: o.prometheus,
        endpoints: controlPlanes,
        service: { port: ETCD_METRICS_PORT, targetPort: ETCD_METRICS_PORT },
      },
      kubeProxy: { enabled: o.prometheus && !kpr },
      grafana: grafanaValues,
    },
    dependsOn: spec.addons.cni?.type === "cilium" ? ["cilium"] : [],
  });
  if (o.prometheus)
    out.talosPatches.push({
      roles: ["controlplane"],
      reason:
        "Prometheus scrapes the control plane: controller-manager and scheduler listen on every address, etcd serves metrics on :2381",
      patch: {
        cluster: {
          controllerManager: { extraArgs: { "bind-address": "0.0.0.0" } },
          scheduler: { extraArgs: { "bind-address": "0.0.0.0" } },
          etcd: { extraArgs: { "listen-metrics-urls": `http://0.0.0.0:${ETCD_METRICS_PORT}` } },
        },
      },
    });
  if (grafana)
    out.notes.push(
      `Grafana's admin password is in the Secret ${MONITORING_NAMESPACE}/kube-prometheus-stack-grafana (key admin-password)${g.loadBalancerIP ? `; Grafana answers on http://${g.loadBalancerIP}` : ""}`,
    );
  return out;
}
