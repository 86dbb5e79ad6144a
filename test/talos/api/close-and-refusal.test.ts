// The client's two edges that decide how a command ends (issue 9 §6, §7):
// * closing a client ends what it started: a call a hung node never answers rejects at once with
//   TalosClientClosedError (not at its 60 s deadline), for unary calls, server streams and connection waits;
// * a node that refuses cairn's client certificate is reported as such, whichever way it refuses: a TLS alert from a
//   real OpenSSL server (`openssl s_server -Verify`, TLS 1.2 and 1.3), as Go's apid answers, or a hang-up right after
//   the handshake, as Node's TLS server (the twin, fake-apid) does.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerUnaryCall, ServerWritableStream, sendUnaryData } from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TalosClient } from "../../../src/talos/api/client.js";
import { TalosClientCertificateRefusedError, TalosClientClosedError } from "../../../src/talos/api/errors.js";
import { nodeCompatibleKeyPem } from "../../../src/talos/pki/index.js";
import { makePki, startFakeApid, type FakeApid, type Pki } from "./fake-apid.js";

let pki: Pki;
let foreign: Pki;
const running: FakeApid[] = [];
const clients: TalosClient[] = [];

beforeAll(async () => {
  pki = await makePki();
  foreign = await makePki();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of running.splice(0)) await s.stop();
});

function client(endpoint: string, who: { certPem: string; keyPem: string } = pki.admin): TalosClient {
  const c = new TalosClient({
    endpoints: [endpoint],
    tls: { mode: "mtls", caPem: pki.ca.certPem, certPem: who.certPem, keyPem: who.keyPem },
    connectTimeoutMs: 3000,
    retry: { attempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
  });
  clients.push(c);
  return c;
}

/** A node that accepts calls and never answers them (the twin's `hang` fault). */
async function hungNode(): Promise<{ s: FakeApid; calls: () => number }> {
  let calls = 0;
  const s = await startFakeApid(
    {
      "machine.MachineService": {
        Version: (_call: ServerUnaryCall<unknown, unknown>, _cb: sendUnaryData<unknown>) => void calls++,
        Logs: (_call: ServerWritableStream<unknown, unknown>) => void calls++,
      },
    },
    { mode: "mtls", pki },
  );
  running.push(s);
  return { s, calls: () => calls };
}

const settle = <T>(p: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> => {
  const t0 = Date.now();
  return p.then(
    (value) => ({ value, ms: Date.now() - t0 }),
    (error: unknown) => ({ error, ms: Date.now() - t0 }),
  );
};

describe("closing the client ends its pending calls", () => {
  it("a unary call to a hung node rejects as soon as the client closes, long before its deadline", async () => {
    const { s, calls } = await hungNode();
    const c = client(s.endpoint);
    const pending = settle(c.version());
    // Wait until the call reached the node, so it is a started call (grpc-js' close leaves those running).
    for (let i = 0; i < 100 && calls() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(calls()).toBe(1);
    const t0 = Date.now();
    c.close();
    const r = await pending;
    expect(r.error).toBeInstanceOf(TalosClientClosedError);
    expect(Date.now() - t0).toBeLessThan(2000);
    // A closed client refuses new calls instead of dialling again.
    const again = await settle(c.version());
    expect(again.error).toBeInstanceOf(TalosClientClosedError);
    expect(calls()).toBe(1);
  });

  it("a server stream that never yields ends when the client closes", async () => {
    const { s, calls } = await hungNode();
    const c = client(s.endpoint);
    const consumed = settle(
      (async () => {
        for await (const chunk of c.logs("kubelet", { follow: true })) void chunk;
      })(),
    );
    for (let i = 0; i < 100 && calls() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(calls()).toBe(1);
    c.close();
    const r = await consumed;
    expect(r.error).toBeInstanceOf(TalosClientClosedError);
    expect(r.ms).toBeLessThan(5000);
  });

  it("a wait for a connection that never completes ends when the client closes", async () => {
    // A TCP listener that accepts and then says nothing: the TLS handshake never finishes.
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    try {
      const { port } = silent.address() as { port: number };
      const c = new TalosClient({
        endpoints: [`127.0.0.1:${port}`],
        tls: { mode: "mtls", caPem: pki.ca.certPem, certPem: pki.admin.certPem, keyPem: pki.admin.keyPem },
        connectTimeoutMs: 30_000,
        retry: { attempts: 1 },
      });
      clients.push(c);
      const pending = settle(c.version());
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      c.close();
      const r = await pending;
      expect(r.error).toBeInstanceOf(TalosClientClosedError);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });
});

describe("a refused client certificate is named as such", () => {
  it("Node's TLS server hangs up after the handshake: refused, not unreachable", async () => {
    const s = await startFakeApid(
      {
        "machine.MachineService": {
          Version: (_c: unknown, cb: sendUnaryData<unknown>) =>
            cb(null, { messages: [{ version: { tag: "v1.13.9" } }] }),
        },
      },
      { mode: "mtls", pki },
    );
    running.push(s);
    // The right CA for the server, a client certificate from another CA.
    const r = await settle(client(s.endpoint, foreign.admin).version());
    expect(r.error).toBeInstanceOf(TalosClientCertificateRefusedError);
    expect((r.error as Error).message).toMatch(
      /^127\.0\.0\.1:\d+ refused cairn's client certificate \(it closed the connection right after the TLS handshake/,
    );
    expect((r.error as TalosClientCertificateRefusedError).hint).toMatch(
      /talosconfig belongs to this cluster/,
    );
    // The good certificate still works through the same server: the first-word wait hands the data on intact.
    const ok = await client(s.endpoint).version();
    expect(ok).toHaveLength(1);
  });

  describe("a real OpenSSL server answers with a TLS alert", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "cairn-refusal-"));
      writeFileSync(join(dir, "ca.pem"), pki.ca.certPem);
      writeFileSync(join(dir, "server.pem"), pki.server.certPem);
      writeFileSync(join(dir, "server.key"), nodeCompatibleKeyPem(pki.server.keyPem));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    async function freePort(): Promise<number> {
      const srv = createServer();
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
      const { port } = srv.address() as { port: number };
      await new Promise((r) => srv.close(r));
      return port;
    }

    /** `openssl s_server` requiring a client certificate signed by the cluster CA. */
    async function sServer(version: "-tls1_2" | "-tls1_3"): Promise<{ port: number; proc: ChildProcess }> {
      const port = await freePort();
      const proc = spawn(
        "openssl",
        [
          "s_server",
          "-accept",
          `127.0.0.1:${port}`,
          "-cert",
          join(dir, "server.pem"),
          "-key",
          join(dir, "server.key"),
          "-CAfile",
          join(dir, "ca.pem"),
          "-Verify",
          "1",
          "-verify_return_error",
          "-alpn",
          "h2",
          version,
          "-quiet",
        ],
        { stdio: ["pipe", "ignore", "pipe"] },
      );
      let err = "";
      proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
      for (let i = 0; i < 100; i++) {
        const up = await new Promise<boolean>((resolve) => {
          const sock = createServer().listen(port, "127.0.0.1");
          sock.once("listening", () => sock.close(() => resolve(false)));
          sock.once("error", () => resolve(true));
        });
        if (up) return { port, proc };
        if (proc.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      proc.kill();
      throw new Error(`openssl s_server did not start: ${err}`);
    }

    for (const version of ["-tls1_3", "-tls1_2"] as const) {
      it(`${version.slice(1)}: the alert becomes TalosClientCertificateRefusedError`, async () => {
        const { port, proc } = await sServer(version);
        try {
          const r = await settle(client(`127.0.0.1:${port}`, foreign.admin).version());
          expect(r.error).toBeInstanceOf(TalosClientCertificateRefusedError);
          expect((r.error as Error).message).toMatch(
            /refused cairn's client certificate \(TLS alert: .*(unknown ca|bad certificate|certificate)/i,
          );
        } finally {
          proc.kill();
        }
      });
    }
  });
});
