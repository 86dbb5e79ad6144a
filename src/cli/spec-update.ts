// After `cairn upgrade talos|kubernetes --to X`, cairn.yaml should say X too: a plan never moves the cluster
// back, so a spec left behind makes every later `plan` and `apply` refuse. With --update-spec cairn changes that
// one value in place (comments and layout kept); on a terminal it offers to; otherwise it says what to change.
import { readFileSync, statSync } from "node:fs";
import { formatDiagnosticText } from "../clusterspec/diagnostics.js";
import { loadSpecText } from "../clusterspec/load.js";
import { setSpecScalar } from "../clusterspec/spec-edit.js";
import { writeFileAtomic } from "../io/files.js";
import { ask } from "./operation.js";
import type { Io } from "./output.js";

export interface SpecVersion {
  /** The spec file. */
  file: string;
  /** ["talos", "version"] */
  field: readonly string[];
  /** The version the cluster now runs. */
  to: string;
  /** --update-spec */
  update: boolean;
  /** On a terminal without --yes: cairn may ask. */
  interactive: boolean;
}

const bare = (v: string): string => v.trim().replace(/^v/, "");

/**
 * Brings the spec's version field to `to` (or says how). Returns false when the spec has no such field (an
 * unpinned kubernetes.version: cairn's record stands for it).
 */
export async function settleSpecVersion(io: Io, s: SpecVersion): Promise<boolean> {
  const name = s.field.join(".");
  const text = readFileSync(s.file, "utf8");
  const probe = setSpecScalar(text, s.field, s.to);
  if (!probe) return false;
  if (bare(probe.before) === bare(s.to)) return true;
  // Written the way the file writes versions (with or without the "v").
  const value = probe.before.trim().startsWith("v") ? `v${bare(s.to)}` : bare(s.to);
  const edit = setSpecScalar(text, s.field, value)!;
  const yes =
    s.update ||
    (s.interactive &&
      (await ask(
        `cairn.yaml says ${name}: ${probe.before}, the cluster now runs ${s.to}. Update cairn.yaml?`,
      )));
  if (yes) {
    const check = loadSpecText(edit.text, s.file);
    if (!check.model) {
      // Only the version changed, so the spec was invalid already (edited meanwhile) or the new release refuses
      // something in it: leave the file as the user wrote it and say why.
      const why = check.diagnostics.find((d) => d.severity === "error");
      io.err(
        `warning: ${s.file} left unchanged: with ${name}: ${value} it would not validate` +
          `${why ? ` (${formatDiagnosticText(why)})` : ""}; fix that, then set ${name}: ${value}, because ` +
          "until then `cairn plan` and `cairn apply` refuse (a plan never moves the cluster back)\n",
      );
      return true;
    }
    writeFileAtomic(s.file, edit.text, { mode: statSync(s.file).mode & 0o777 });
    io.err(`${s.file}:${edit.line}: ${name} ${probe.before} → ${value} (only that value changed)\n`);
    return true;
  }
  io.err(
    `warning: ${s.file}:${edit.line} still says ${name}: ${probe.before}, but the cluster now runs ${s.to}. ` +
      `Set it to ${value} (or run again with --update-spec): until then \`cairn plan\` and \`cairn apply\` refuse, ` +
      "because a plan never moves the cluster back\n",
  );
  return true;
}
