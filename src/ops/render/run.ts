// `cairn render`: the cluster's artefacts synthesised and put on disk through the one writer, under the output
// directory's lock. Secrets are created once and then only ever reused; client credentials are reused while
// valid, so rendering twice changes no byte. Every config is rendered and validated before the first file is written.
import { join, resolve } from "node:path";
import { requireModel } from "../../clusterspec/load.js";
import { formatDiagnosticText } from "../../clusterspec/diagnostics.js";
import { acquireLock } from "../../engine/lock.js";
import { writeArtefacts, type WrittenArtefact } from "../../io/writer.js";
import { gitopsReport, type GitopsReport } from "../../gitops/report.js";
import { gitopsTree } from "../../gitops/index.js";
import { GITOPS_DIR } from "../../render/synthesize.js";
import { desiredArtefacts, readIdentity } from "../open.js";
import { clusterDir } from "../paths.js";

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
  const { model, warnings } = requireModel(options.file);
  const out = resolve(options.out ?? clusterDir(options.file, model.name));
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
      warnings: warnings.map(formatDiagnosticText),
    };
  } finally {
    lock.release();
  }
}
