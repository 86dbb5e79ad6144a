// `cairn talos …` node commands end to end against the in-test apid, through main() with captured output.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { status, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCairn } from "../../helpers/cli.js";
import {
  makeMaintenanceCert,
  makePki,
  proxied,
  startFakeApid,
  type FakeApid,
  type Pki,
} from "./fake-apid.js";

let pki: Pki;
let apid: FakeApid;
let maintenance: FakeApid;
let maintenanceFp: string;
let dir: string;
let talosconfig: string;
const applied: string[] = [];

function b64(pem: string): string {
  return Buffer.from(pem).toString("base64");
}

beforeAll(async () => {
  pki = await makePki();
  apid = await startFakeApid(
    {
      "machine.MachineService": {
        EtcdMemberList: (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) =>
          proxied(
            call.metadata,
            cb as never,
            () => ({
              members: [
                {
                  id: "12345678901234567890",
                  hostname: "cp-1",
                  peer_urls: ["https://10.5.0.2:2380"],
                  client_urls: ["https://10.5.0.2:2379"],
                },
              ],
            }),
            ["10.5.0.9"],
          ),
        EtcdSnapshot: (call: ServerWritableStream<unknown, unknown>) => {
          call.write({ bytes: Buffer.from("snap-") });
          call.write({ bytes: Buffer.from("shot") });
          call.end();
        },
        Kubeconfig: (call: ServerWritableStream<unknown, unknown>) => {
          const data = Buffer.from("apiVersion: v1\nkind: Config\n");
          const h = Buffer.alloc(512);
          h.write("kubeconfig", 0);
          h.write("0000600\0", 100);
          h.write(data.length.toString(8).padStart(11, "0") + "\0", 124);
          h.write("0", 156);
          call.write({ bytes: gzipSync(Buffer.concat([h, data])) });
          call.end();
        },
        Version: (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) =>
          proxied(call.metadata, cb as never, () => ({
            version: { tag: "v1.13.9", os: "linux", arch: "amd64" },
          })),
      },
    },
    { mode: "mtls", pki },
  );
  const cert = await makeMaintenanceCert();
  maintenanceFp = cert.fingerprint;
  maintenance = await startFakeApid(
    {
      "machine.MachineService": {
        ApplyConfiguration: (
          call: ServerUnaryCall<{ data: Uint8Array; mode: string }, unknown>,
          cb: sendUnaryData<unknown>,
        ) => {
          applied.push(`${call.request.mode} ${Buffer.from(call.request.data).toString()}`);
          cb(null, { messages: [{ mode_details: "Applied configuration with a reboot" }] });
        },
        Version: (_c: unknown, cb: sendUnaryData<unknown>) =>
          cb({ code: status.UNIMPLEMENTED, details: "API is not implemented in maintenance mode" }),
      },
    },
    { mode: "maintenance", certPem: cert.certPem, keyPem: cert.keyPem },
  );
  dir = mkdtempSync(join(tmpdir(), "cairn-talos-cli-"));
  talosconfig = join(dir, "talosconfig");
  writeFileSync(
    talosconfig,
    `context: test\ncontexts:\n    test:\n        endpoints:\n            - ${apid.endpoint}\n        ca: ${b64(pki.ca.certPem)}\n        crt: ${b64(pki.admin.certPem)}\n        key: ${b64(pki.admin.keyPem)}\n`,
  );
});

afterAll(async () => {
  await apid.stop();
  await maintenance.stop();
});

beforeEach(() => {
  process.exitCode = undefined;
});

const cairn = (...args: string[]) => runCairn("talos", ...args);

describe("cairn talos (node commands)", () => {
  it("etcd members: table with NODE column, hex IDs, and a dead node reported without failing the others", async () => {
    const r = await cairn("etcd", "members", "--talosconfig", talosconfig, "-n", "10.5.0.2,10.5.0.9");
    expect(r.out).toMatch(/^NODE\s+ID\s+HOSTNAME\s+PEER URLS\s+CLIENT URLS\s+LEARNER\n/);
    expect(r.out).toContain(`10.5.0.2   ${BigInt("12345678901234567890").toString(16)}`);
    expect(r.err).toMatch(/error: 10\.5\.0\.9: .*connection refused/);
    expect(r.code).toBe(1);
  });

  it("version --output json", async () => {
    const r = await cairn("version", "--talosconfig", talosconfig, "-n", "10.5.0.2", "-o", "json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject([{ node: "10.5.0.2", version: { tag: "v1.13.9" } }]);
  });

  it("etcd snapshot writes the file 0600", async () => {
    const file = join(dir, "db.snapshot");
    const r = await cairn("etcd", "snapshot", file, "--talosconfig", talosconfig, "-n", "10.5.0.2");
    expect(r.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("snap-shot");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("kubeconfig writes the extracted file 0600", async () => {
    const file = join(dir, "kubeconfig");
    const r = await cairn("kubeconfig", file, "--talosconfig", talosconfig, "-n", "10.5.0.2");
    expect(r.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("apiVersion: v1\nkind: Config\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("apply-config --insecure shows the fingerprint and refuses a wrong pin", async () => {
    const cfg = join(dir, "cp.yaml");
    writeFileSync(cfg, "version: v1alpha1\n");
    const ok = await cairn(
      "apply-config",
      "--insecure",
      "-n",
      maintenance.endpoint,
      "--file",
      cfg,
      "--cert-fingerprint",
      maintenanceFp,
    );
    expect(ok.code).toBe(0);
    expect(ok.err).toContain(`certificate fingerprint ${maintenanceFp}`);
    expect(ok.out).toContain("Applied configuration with a reboot");
    expect(applied).toEqual(["AUTO version: v1alpha1\n"]);
    const bad = await cairn(
      "apply-config",
      "--insecure",
      "-n",
      maintenance.endpoint,
      "--file",
      cfg,
      "--cert-fingerprint",
      "bm90LXRoaXMtb25l",
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/error: refusing .* does not match/);
    expect(applied).toHaveLength(1);
  });

  it("a user error for a missing talosconfig, without a stack trace", async () => {
    const r = await cairn("version", "--talosconfig", join(dir, "nope"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: cannot read talosconfig/);
    expect(r.err).not.toContain("    at ");
  });
});
