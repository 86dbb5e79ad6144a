// The OTLP endpoint: a URL with a host and a port the exporter can dial.
import { error, type Finding } from "../../findings.js";
import type { AddonSpecView } from "../types.js";
import { otlpTarget } from "./render.js";

export function checkOtelCollector(spec: AddonSpecView): Finding[] {
  const otel = spec.addons.observability?.otel;
  if (!otel) return [];
  if (otlpTarget(otel.endpoint, otel.protocol)) return [];
  return [
    error(
      "addons.otel-endpoint",
      ["addons", "observability", "otel", "endpoint"],
      `${otel.endpoint} is not an OTLP endpoint cairn can export to`,
      otel.protocol === "grpc"
        ? "write it as http://host:4317 (no TLS) or https://host:4317"
        : "write it as http://host:4318 or https://host:4318",
    ),
  ];
}
