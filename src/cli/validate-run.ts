// The work behind `cairn validate`, kept out of the command module so start-up does not load the spec engine.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { loadSpecFile } from "../clusterspec/load.js";
import { formatDiagnosticText, sortDiagnostics, type Diagnostic } from "../clusterspec/diagnostics.js";
import { hasErrors } from "../findings.js";
import { checkPatches } from "../render/patch-check.js";
import { formatPlanTable, planRows } from "../clusterspec/plan-table.js";
import type { Io } from "./output.js";
import { parseOutputFormat } from "./output.js";

export function runValidate(files: string[], opts: { output: string; showPlan?: boolean }, io: Io): number {
  const format = parseOutputFormat(opts.output);
  // Reading a spec makes nearly every object survive, so V8 keeps doubling the young generation up to 2 × 64 MB
  // and never gives it back. Growing it no further keeps a 50,000-node validate at ~235 MB instead of ~345 MB
  // (bench/validate-large.js) and is no slower: the survivors are promoted at once instead of copied back and forth.
  setFlagsFromString("--semi-space-growth-factor=1");
  const all: Diagnostic[] = [];
  const plans: object[] = [];
  let failed = false;
  for (const file of files) {
    let r = loadSpecFile(file);
    if (r.model) {
      // Patches are checked as Talos would apply them, so their mistakes surface here and not at render time.
      const readPatch = (p: string) => readFileSync(resolve(dirname(file), p), "utf8");
      const found = r.locate(checkPatches(r.model, file, readPatch));
      if (found.length) {
        const diagnostics = sortDiagnostics([...r.diagnostics, ...found]);
        const ok = !hasErrors(diagnostics);
        r = { ...r, diagnostics, ok, model: ok ? r.model : undefined };
      }
    }
    all.push(...r.diagnostics);
    if (!r.ok) failed = true;
    if (format === "json" && opts.showPlan && r.model) {
      const m = r.model;
      plans.push({
        file,
        cluster: m.name,
        talosVersion: m.talosVersion,
        contract: m.contract,
        kubernetesVersion: m.kubernetesVersion,
        endpoint: m.endpoint.url,
        vip: m.vip ?? null,
        nodes: m.nodes.map((n) => ({
          name: n.name,
          role: n.role,
          address: n.address ?? null,
          podBlock: n.podBlock ?? null,
          interfaces: n.interfaces.map((i) => ({
            network: i.network,
            link: i.link,
            address: i.address ?? null,
            prefix: i.prefix,
            planned: i.planned,
            vlan: i.vlan ?? null,
            tagging: i.vlan !== undefined ? i.tagging : null,
            vip: i.vip ?? null,
          })),
        })),
        rows: planRows(m),
      });
    }
    if (format === "text") {
      for (const d of r.diagnostics) io.err(formatDiagnosticText(d) + "\n");
      const errors = r.diagnostics.filter((d) => d.severity === "error").length;
      const warnings = r.diagnostics.length - errors;
      const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
      if (r.ok) {
        io.out(`${file}: valid${warnings ? ` (${plural(warnings, "warning")})` : ""}\n`);
        if (opts.showPlan && r.model)
          io.out("\n" + formatPlanTable(r.model) + (files.length > 1 ? "\n" : ""));
      } else {
        io.err(`${file}: ${plural(errors, "error")}${warnings ? `, ${plural(warnings, "warning")}` : ""}\n`);
      }
    }
  }
  if (format === "json") {
    const diagnostics = all.map((d) => ({
      severity: d.severity,
      file: d.file,
      path: d.path,
      line: d.line,
      column: d.column,
      message: d.message,
      hint: d.hint,
      code: d.code,
    }));
    // The released shape is the bare array; --show-plan wraps it so the plan can travel with it.
    const body = opts.showPlan ? { diagnostics, plans } : diagnostics;
    io.out(JSON.stringify(body, null, 2) + "\n");
  }
  return failed ? 1 : 0;
}
