// Shared fixtures for the twin tests: golden Talos configs (their machine.ca is the golden secrets' OS CA), client
// certificates issued from that CA, and a small raw grpc-js client speaking the Talos API through messages.ts.
import * as grpc from "@grpc/grpc-js";
import { parse } from "yaml";
import { codec, talosRoot } from "../../src/talos/api/messages.js";
import {
  DAY_MS,
  issueCertificate,
  loadCertificateAuthority,
  nodeCompatibleKeyPem,
  type CertificateAuthority,
  type ExtKeyUsage,
} from "../../src/talos/pki/index.js";
import type { CertKeyPem } from "../../src/twin/certs.js";
import type { Twin } from "../../src/twin/twin.js";
import { readShared } from "../helpers/shared.js";

export function goldenConfig(kind: "controlplane" | "worker", contract = "1.13"): string {
  return readShared(`reference/talos/golden/v${contract}/base-${kind}.yaml`);
}

export function goldenOsCa(): { crt: string; key: string } {
  const secrets = parse(readShared("reference/talos/golden/secrets.yaml")) as {
    certs: { os: { crt: string; key: string } };
  };
  const b = (s: string): string => Buffer.from(s, "base64").toString("utf8");
  return { crt: b(secrets.certs.os.crt), key: b(secrets.certs.os.key) };
}

/** A Talos API client certificate (roles in Subject O, EKU clientAuth unless given), by default from the golden OS CA. */
export async function clientCert(
  roles: string[],
  usages: ExtKeyUsage[] = ["clientAuth"],
  ca: CertificateAuthority = loadCertificateAuthority(goldenOsCa().crt, goldenOsCa().key, "golden OS CA"),
): Promise<CertKeyPem> {
  const issued = await issueCertificate(ca, {
    subject: { organization: roles },
    keyUsage: ["digitalSignature"],
    extKeyUsage: usages,
    now: new Date(),
    backdateMs: 10_000,
    ttlMs: 365 * DAY_MS,
  });
  return { cert: issued.certPem, key: nodeCompatibleKeyPem(issued.keyPem) };
}

export type Creds = { kind: "insecure" } | { kind: "mtls"; ca: string; cert: CertKeyPem };

function channelCredentials(creds: Creds): grpc.ChannelCredentials {
  if (creds.kind === "insecure")
    return grpc.credentials.createSsl(null, null, null, {
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
  return grpc.credentials.createSsl(
    Buffer.from(creds.ca),
    Buffer.from(creds.cert.key),
    Buffer.from(creds.cert.cert),
  );
}

function codecsOf(path: string): { req: ReturnType<typeof codec>; res: ReturnType<typeof codec> } {
  const [, service, name] = /^\/([^/]+)\/([^/]+)$/.exec(path)!;
  const m = talosRoot().lookupService(service!).methods[name!]!;
  m.resolve();
  return {
    req: codec(m.resolvedRequestType!.fullName.slice(1)),
    res: codec(m.resolvedResponseType!.fullName.slice(1)),
  };
}

export interface CallOptions {
  nodes?: string[];
  node?: string;
  timeoutMs?: number;
}

export class RawClient {
  readonly client: grpc.Client;
  constructor(address: string, creds: Creds) {
    this.client = new grpc.Client(`${address}:50000`, channelCredentials(creds), {
      "grpc.max_receive_message_length": 32 * 1024 * 1024,
    });
  }

  private meta(o: CallOptions): grpc.Metadata {
    const md = new grpc.Metadata();
    for (const n of o.nodes ?? []) md.add("nodes", n);
    if (o.node) md.set("node", o.node);
    return md;
  }

  unary<Res = Record<string, unknown>>(path: string, req: unknown, o: CallOptions = {}): Promise<Res> {
    const c = codecsOf(path);
    return new Promise((resolve, reject) =>
      this.client.makeUnaryRequest(
        path,
        (v: unknown) => c.req.encode(v as never),
        (b: Buffer) => c.res.decode(b),
        req,
        this.meta(o),
        { deadline: Date.now() + (o.timeoutMs ?? 10_000) },
        (err, res) => (err ? reject(err) : resolve(res as Res)),
      ),
    );
  }

  stream<Res = Record<string, unknown>>(path: string, req: unknown, o: CallOptions = {}): Promise<Res[]> {
    const c = codecsOf(path);
    return new Promise((resolve, reject) => {
      const out: Res[] = [];
      const call = this.client.makeServerStreamRequest(
        path,
        (v: unknown) => c.req.encode(v as never),
        (b: Buffer) => c.res.decode(b),
        req,
        this.meta(o),
        { deadline: Date.now() + (o.timeoutMs ?? 30_000) },
      );
      call.on("data", (d: Res) => out.push(d));
      call.on("error", reject);
      call.on("end", () => resolve(out));
    });
  }

  clientStream<Res = Record<string, unknown>>(
    path: string,
    reqs: unknown[],
    o: CallOptions = {},
  ): Promise<Res> {
    const c = codecsOf(path);
    return new Promise((resolve, reject) => {
      const call = this.client.makeClientStreamRequest(
        path,
        (v: unknown) => c.req.encode(v as never),
        (b: Buffer) => c.res.decode(b),
        this.meta(o),
        { deadline: Date.now() + (o.timeoutMs ?? 30_000) },
        (err, res) => (err ? reject(err) : resolve(res as Res)),
      );
      for (const r of reqs) call.write(r);
      call.end();
    });
  }

  close(): void {
    this.client.close();
  }
}

export const MS = "/machine.MachineService/";

/** Applies the golden configs (control planes get controlplane.yaml) through maintenance mode and waits for normal mode. */
export async function configure(twin: Twin, contract = "1.13", timeoutMs = 30_000): Promise<void> {
  await Promise.all(
    twin.nodes.map(async (n) => {
      const c = new RawClient(n.address, { kind: "insecure" });
      try {
        await c.unary(`${MS}ApplyConfiguration`, {
          data: Buffer.from(goldenConfig(n.plannedRole, contract)),
          mode: "AUTO",
        });
      } finally {
        c.close();
      }
    }),
  );
  await twin.waitFor(
    "all nodes in normal mode",
    () => twin.nodes.every((n) => n.stage === "running" && n.mode === "normal" && n.server !== undefined),
    timeoutMs,
  );
}

export async function bootstrap(twin: Twin, admin: CertKeyPem, timeoutMs = 30_000): Promise<void> {
  const first = twin.nodes.find((n) => n.isControlPlane)!;
  const c = new RawClient(first.address, { kind: "mtls", ca: goldenOsCa().crt, cert: admin });
  try {
    await c.unary(`${MS}Bootstrap`, {});
  } finally {
    c.close();
  }
  await twin.waitFor(
    "every control plane running etcd",
    () =>
      twin.nodes.filter((n) => n.isControlPlane).every((n) => n.etcd.running && n.etcdMemberId !== undefined),
    timeoutMs,
  );
}
