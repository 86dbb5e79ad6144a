// The collector as a DaemonSet (chart mode daemonset) with the chart's presets for the Kubernetes attributes, the
// kubelet's stats and the pods' log files (/var/log/pods on Talos, mounted from the host: the namespace is
// privileged), exporting every pipeline to the spec's endpoint. An http:// endpoint is sent without TLS; an https://
// one is verified against the system roots.
import { namespace } from "../objects.js";
import { emptyOutput, type AddonContext, type AddonOutput } from "../types.js";
import { OTEL_COLLECTOR_CHART, OTEL_COLLECTOR_IMAGE } from "./versions.js";

const OTEL_NAMESPACE = "opentelemetry";

/** The exporter's endpoint and TLS setting, or undefined when the URL is not one. */
export function otlpTarget(
  endpoint: string,
  protocol: "grpc" | "http",
): { endpoint: string; insecure: boolean } | undefined {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    return undefined;
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || !u.hostname || u.username || u.password)
    return undefined;
  if (protocol === "grpc") {
    // gRPC dials host:port; a path would be ignored.
    if (!u.port || (u.pathname !== "/" && u.pathname !== "")) return undefined;
    return { endpoint: `${u.hostname}:${u.port}`, insecure: u.protocol === "http:" };
  }
  return { endpoint: endpoint.replace(/\/+$/, ""), insecure: u.protocol === "http:" };
}

export function renderOtelCollector(ctx: AddonContext): AddonOutput {
  const out = emptyOutput();
  const otel = ctx.spec.addons.observability!.otel!;
  const target = otlpTarget(otel.endpoint, otel.protocol)!;
  const exporter = otel.protocol === "grpc" ? "otlp" : "otlphttp";
  const pipeline = (receivers: string[]) => ({
    receivers,
    processors: ["memory_limiter", "k8sattributes", "batch"],
    exporters: [exporter],
  });
  out.objects.push({ layer: "controllers", object: namespace(OTEL_NAMESPACE, { privileged: true }) });
  out.releases.push({
    name: "opentelemetry-collector",
    namespace: OTEL_NAMESPACE,
    chart: { ...OTEL_COLLECTOR_CHART },
    values: {
      mode: "daemonset",
      image: { repository: OTEL_COLLECTOR_IMAGE },
      // The contrib image's binary.
      command: { name: "otelcol-contrib" },
      presets: {
        kubernetesAttributes: { enabled: true },
        kubeletMetrics: { enabled: true },
        logsCollection: { enabled: true },
      },
      config: {
        exporters: {
          [exporter]: {
            endpoint: target.endpoint,
            ...(target.insecure && otel.protocol === "grpc" ? { tls: { insecure: true } } : {}),
          },
        },
        service: {
          pipelines: {
            metrics: pipeline(["otlp", "prometheus"]),
            logs: pipeline(["otlp"]),
            traces: pipeline(["otlp"]),
          },
        },
      },
    },
    dependsOn: ctx.spec.addons.cni?.type === "cilium" ? ["cilium"] : [],
  });
  out.notes.push(
    `the OpenTelemetry collectors export metrics, logs and traces to ${otel.endpoint} (OTLP/${otel.protocol}${target.insecure ? ", no TLS" : ""})`,
  );
  return out;
}
