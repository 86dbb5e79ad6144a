// `cairn render`: the cluster's artefacts synthesised and put on disk through the one writer, under the output
// directory's lock. Secrets are created once and then only ever reused; client credentials are reused while
// valid, so rendering twice changes no byte. Every config is rendered and validated before the first file is written.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { requireModel } from "../../clusterspec/load.js";
import { formatDiagnosticText } from "../../clusterspec/diagnostics.js";
import { acquireLock } from "../../engine/lock.js";
import { writeArtefacts, type WrittenArtefact } from "../../io/writer.js";
import { gitopsReport, type GitopsReport } from "../../gitops/report.js";
import { gitopsTree } from "../../gitops/index.js";
import { GITOPS_DIR } from "../../render/synthesize.js";
import { desiredArtefacts, readIdentity } from "../open.js";
import { pinKubernetes, recordedKubernetes } from "../kubernetes-pin.js";
import { clusterDir } from "../paths.js";
import { readState } from "../state.js";

/** The real cluster's Kubernetes record in an output directory, when it holds the cluster's state. */
function recordedOf(out: string, cluster: string): string | undefined {
  const path = join(out, "state.json");
  if (!existsSync(path)) return undefined;
  try {
    return recordedKubernetes(readState(path, cluster, false), join(out, "applied"));
  } catch {
    return undefined; // another cluster's (or an unreadable) record says nothing about this one
  }
}

export interface RenderOptions {
  file: string;
  /** Default: the cluster directory `.cairn/<cluster>` next to the spec, which apply, plan and upgrade use too. */
  out?: string;
  secrets?: string;
  ageRecipient?: string[];
  ageIdentity?: string;
  newSecrets?: boolean;
  now?: Date;
}

export interface RenderReport {
  cluster: string;
  talosVersion: string;
  contract: string;
  /** Secrets, configs and credentials (the GitOps tree is reported in `gitops`). */
  artefacts: WrittenArtefact[];
  /** The platform add-ons' GitOps tree, written to <out>/gitops. */
  gitops: GitopsReport;
  warnings: string[];
}

export async function runRender(options: RenderOptions): Promise<RenderReport> {
  const now = options.now ?? new Date();
  const loaded = requireModel(options.file);
  const out = resolve(options.out ?? clusterDir(options.file, loaded.model.name));
  // The configs `apply` would write: an unpinned Kubernetes stays at the version the cluster runs (its record).
  const pinned = pinKubernetes(loaded.model, recordedOf(out, loaded.model.name));
  const model = pinned.model;
  const warnings = loaded.warnings;
  const lock = acquireLock(join(out, "lock"), { operation: "render" });
  try {
    const identity = await readIdentity(model, out, {
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...(options.ageIdentity ? { ageIdentity: options.ageIdentity } : {}),
      ...(options.ageRecipient?.length ? { ageRecipients: options.ageRecipient } : {}),
      ...(options.newSecrets ? { newSecrets: true } : {}),
      now,
    });
    const artefacts = await desiredArtefacts({ file: options.file, model }, out, identity, now);
    const written = writeArtefacts(out, artefacts, lock);
    return {
      cluster: model.name,
      talosVersion: model.talosVersion,
      contract: model.contract,
      artefacts: written.filter((w) => w.kind !== "gitops"),
      gitops: gitopsReport(
        gitopsTree(model),
        join(out, GITOPS_DIR),
        written.filter((w) => w.kind === "gitops"),
      ),
      warnings: [...warnings.map(formatDiagnosticText), ...(pinned.notice ? [`note: ${pinned.notice}`] : [])],
    };
  } finally {
    lock.release();
  }
}
