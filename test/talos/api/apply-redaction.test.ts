// A node's error about an applied config may quote the config (issue 9 §3): the client redacts the config's keys
// and tokens from what it returns and throws. The node here is a fake apid that echoes the machine token and the
// CA key, as a validation message quoting the offending value would, inline (per node) and as a call error.
import { status, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TalosClient } from "../../../src/talos/api/client.js";
import { TalosCallError } from "../../../src/talos/api/errors.js";
import { makePki, startFakeApid, type FakeApid, type Pki } from "./fake-apid.js";

const TOKEN = "q4b5zr.8vxhrn9kyj2a1mtd";
const KEY = Buffer.from(
  "-----BEGIN ED25519 PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIFB//y+QX2pmcfdO78jZZ1XPqiljUZw7Aw6ifNSdaMhI\n-----END ED25519 PRIVATE KEY-----\n",
).toString("base64");
const CONFIG = `version: v1alpha1\nmachine:\n  type: controlplane\n  token: ${TOKEN}\n  ca:\n    crt: LS0tCg==\n    key: ${KEY}\n`;
const decodedLine = "MC4CAQAwBQYDK2VwBCIEIFB//y+QX2pmcfdO78jZZ1XPqiljUZw7Aw6ifNSdaMhI";

let pki: Pki;
let inline: FakeApid;
let failing: FakeApid;

beforeAll(async () => {
  pki = await makePki();
  const echo = `invalid machine token "${TOKEN}"; machine.ca.key ${KEY} (${decodedLine})`;
  inline = await startFakeApid(
    {
      "machine.MachineService": {
        ApplyConfiguration: (_c: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) =>
          cb(null, { messages: [{ metadata: { hostname: "n1", error: echo } }] }),
      },
    },
    { mode: "mtls", pki },
  );
  failing = await startFakeApid(
    {
      "machine.MachineService": {
        ApplyConfiguration: (_c: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) =>
          cb({ code: status.INVALID_ARGUMENT, details: echo }),
      },
    },
    { mode: "mtls", pki },
  );
});

afterAll(async () => {
  await inline?.stop();
  await failing?.stop();
});

const client = (endpoint: string) =>
  new TalosClient({
    endpoints: [endpoint],
    tls: { mode: "mtls", caPem: pki.ca.certPem, certPem: pki.admin.certPem, keyPem: pki.admin.keyPem },
    retry: { attempts: 1 },
  });

const expectRedacted = (message: string) => {
  expect(message).toMatch(/invalid machine token "<redacted>"; machine\.ca\.key <redacted> \(<redacted>\)/);
  for (const s of [TOKEN, KEY.slice(0, 30), decodedLine.slice(0, 30)]) expect(message).not.toContain(s);
};

describe("applyConfiguration redacts the config's secrets from the node's errors", () => {
  it("in a per-node error", async () => {
    const c = client(inline.endpoint);
    try {
      const [r] = await c.applyConfiguration(CONFIG, { mode: "no-reboot" }, ["n1"]);
      expect(r?.ok).toBe(false);
      expectRedacted(r!.ok ? "" : r!.error.message);
    } finally {
      c.close();
    }
  });

  it("in a failed call", async () => {
    const c = client(failing.endpoint);
    try {
      const e = await c.applyConfiguration(CONFIG).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(TalosCallError);
      expectRedacted((e as Error).message);
    } finally {
      c.close();
    }
  });
});
