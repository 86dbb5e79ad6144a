// Typed errors of the Kubernetes boundary. Every failure cairn can explain is a CairnError subclass: the API
// refused (with the Status it sent), no endpoint answered, a wait ran out of time, a drain was blocked.
import { CairnError } from "../errors.js";

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The API server answered with a Status failure (4xx/5xx). */
export class KubeApiError extends CairnError {
  readonly status: number;
  readonly reason: string;
  readonly causes: StatusCause[];
  constructor(
    status: number,
    reason: string,
    message: string,
    causes: StatusCause[] = [],
    endpoint?: string,
  ) {
    super("kube-api", `Kubernetes API${endpoint ? ` at ${endpoint}` : ""}: ${message}`, {
      hint:
        status === 401
          ? "the kubeconfig's client certificate is not accepted: regenerate it with `cairn kubeconfig`"
          : status === 403
            ? "the kubeconfig's user may not do this; cairn uses the admin kubeconfig it renders"
            : undefined,
    });
    this.name = "KubeApiError";
    this.status = status;
    this.reason = reason;
    this.causes = causes;
  }

  /**
   * What the API server says may pass by itself (a 5xx such as etcd's "request timed out" during a leader change,
   * 429 throttling): the engine retries the action with backoff instead of halting the run.
   */
  get transient(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.status === 404;

/** No endpoint (the cluster endpoint, then each control plane) could be reached. */
export class KubeUnreachable extends CairnError {
  readonly attempts: { endpoint: string; error: string }[];
  constructor(attempts: { endpoint: string; error: string }[]) {
    super(
      "kube-unreachable",
      `cannot reach the Kubernetes API: ${attempts.map((a) => `${a.endpoint} (${a.error})`).join("; ")}`,
      { hint: "is the cluster bootstrapped and a control plane up? `cairn health` shows the control planes" },
    );
    this.name = "KubeUnreachable";
    this.attempts = attempts;
  }
}

/** A wait (nodes Ready, a rollout) did not finish in time; `waitingFor` says what was still missing. */
export class KubeTimeout extends CairnError {
  readonly waitingFor: string[];
  constructor(what: string, timeoutMs: number, waitingFor: string[]) {
    super(
      "kube-timeout",
      `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}: ${waitingFor.join("; ")}`,
    );
    this.name = "KubeTimeout";
    this.waitingFor = waitingFor;
  }
}

/** A rollout failed for a reason more waiting will not fix (crash loop, image pull failure, Helm failure). */
export class KubeRolloutFailed extends CairnError {
  readonly workload: string;
  constructor(workload: string, why: string) {
    super("kube-rollout", `${workload} failed to roll out: ${why}`);
    this.name = "KubeRolloutFailed";
    this.workload = workload;
  }
}

/** A kubeconfig cairn cannot use. */
export class KubeconfigError extends CairnError {
  constructor(message: string) {
    super("kubeconfig", message, { hint: "regenerate it with `cairn kubeconfig -f cairn.yaml`" });
    this.name = "KubeconfigError";
  }
}
