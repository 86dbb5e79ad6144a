// Typed errors shared by every boundary. A CairnError is an expected failure the user can act on: the CLI prints
// its message and hint without a stack trace and exits with its exit code. Anything else is a bug (exit 70).
// Every error code is in the table below, so tools and tests can rely on them and a new one is a visible choice.

export const ERROR_CODES = {
  // input
  user: "bad input: a file, a flag, an argument",
  internal: "a bug in cairn (exit 70): it made something invalid and refused to use it",
  // the cluster's own files and records
  state: "the state file cannot be used (corrupt, newer schema, another cluster, real vs simulated)",
  journal: "the journal cannot be written",
  lock: "the cluster lock cannot be taken or kept",
  locked: "another cairn process is running on this cluster",
  "artefact-exists": "a file cairn only ever creates appeared meanwhile (a new cluster identity)",
  // plans and their runs
  "plan-blocked": "the plan has findings that stop it before anything changes",
  "plan-invalid": "a malformed plan (a bug in a planner)",
  timeout: "an action ran past its timeout",
  interrupted: "the run was interrupted (Ctrl-C); running it again resumes it",
  aborted: "the user did not confirm",
  apply: "a node cannot take the config cairn would give it",
  "apply-failed": "cairn apply halted at a failed action",
  "config-changed": "the config to send is not the one the plan was made with",
  "destroy-failed": "cairn destroy halted at a failed action",
  // upgrades
  "upgrade-preflight": "the upgrade's pre-flight checks refused it",
  "upgrade-rejected": "a node refused the upgrade call",
  "upgrade-rolled-back": "a node came back on its old version (Talos A/B rollback)",
  "upgrade-version": "a node came back on an unexpected version",
  "upgrade-failed": "a rolling upgrade halted",
  "k8s-upgrade": "a Kubernetes component upgrade failed on a node",
  // etcd
  etcd: "an etcd membership change needs the user's say",
  "etcd-unhealthy": "etcd is not healthy enough for the operation",
  "etcd-snapshot": "an etcd snapshot could not be taken or failed its check",
  "etcd-restore": "an etcd restore step failed",
  // the Talos API boundary
  "talos.unreachable": "no Talos endpoint answered",
  "talos.certificate": "TLS with the node failed (certificate, fingerprint)",
  "talos.client-certificate-refused":
    "the node refused cairn's client certificate (talosconfig of another CA, or expired)",
  "talos.closed": "a Talos API call was abandoned because its client was closed",
  "talos.permission-denied": "the client certificate lacks the role for the call",
  "talos.maintenance-mode": "the call needs a node out of maintenance mode, or in it",
  "talos.version-mismatch": "the node's Talos version does not support the call",
  "talos.timeout": "a Talos API call timed out",
  "talos.node": "a node answered the call with an error",
  "talos.call": "a Talos API call failed",
  "talos.protocol": "a Talos API reply cairn cannot read",
  // the provider APIs (the API's own error code, status and fields are on the error object)
  "proxmox.api": "the Proxmox VE API answered with an error",
  "proxmox.task": "a Proxmox VE task ended in failure",
  "proxmox.tls": "the Proxmox VE endpoint's certificate is not the trusted one",
  "proxmox.network": "the Proxmox VE endpoint cannot be reached",
  "proxmox.timeout": "a Proxmox VE request timed out",
  "proxmox.wait-timeout": "a Proxmox VE task or VM did not get where it should in time",
  "hetzner.api": "the Hetzner Cloud API answered with an error",
  "hetzner.action": "a Hetzner Cloud action finished with an error",
  "hetzner.cloud": "the Hetzner Cloud configuration cannot be used (token, endpoint)",
  "hetzner.network": "the Hetzner Cloud API cannot be reached",
  "hetzner.timeout": "a Hetzner Cloud request timed out",
  "hetzner.wait-timeout": "a Hetzner Cloud action did not finish in time",
  // the Kubernetes API boundary
  "kube-api": "the Kubernetes API answered with an error",
  "kube-unreachable": "no Kubernetes API endpoint answered",
  "kube-timeout": "a Kubernetes condition did not hold in time",
  "kube-rollout": "a workload's rollout failed (crash loop, image pull)",
  "kube-drain": "a drain was blocked (a PodDisruptionBudget, an unmanaged pod) and the operation stopped",
  "kube-cordoned": "a node cairn cordoned was never uncordoned (an earlier drain did not finish)",
  kubeconfig: "the kubeconfig cannot be used",
  // the twin
  twin: "the twin (the simulated fleet) cannot do what was asked",
  "twin-etcd": "an etcd member of the twin failed",
  "twin-kube-etcd": "the twin's simulated Kubernetes API could not reach its etcd",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface CairnErrorOptions {
  hint?: string | undefined;
  exitCode?: number;
  cause?: unknown;
}

export class CairnError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options: CairnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CairnError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad input from the user: a file, a flag, an argument. */
export class UserError extends CairnError {
  constructor(message: string, options: CairnErrorOptions = {}) {
    super("user", message, options);
    this.name = "UserError";
  }
}

export function isCairnError(e: unknown): e is CairnError {
  return e instanceof CairnError;
}
