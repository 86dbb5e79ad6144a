// The twin's dynamic nodes (what the provider API fakes use): an empty twin, nodes added at a given address in
// maintenance mode and removed again, clear refusals for duplicate names or addresses and for an address this
// host does not have.
import { connect } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { UserError } from "../../src/errors.js";
import { Twin } from "../../src/twin/twin.js";

let dir: string;
let twin: Twin;
const listening = (host: string): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host, port: 50000 });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cairn-twin-dynamic-"));
  expect(() => new Twin({ stateDir: join(dir, "x"), controlplanes: 0 })).toThrow(/at least one node/);
  twin = new Twin({ dynamic: true, stateDir: join(dir, "twin"), rebootMs: 100 });
  await twin.start();
});

afterAll(async () => {
  await twin?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("an empty twin grows and shrinks node by node", async () => {
  expect(twin.status().nodes).toEqual([]);
  const a = await twin.addNode({ name: "vm101", address: "127.0.165.20" });
  const b = await twin.addNode({ name: "vm102", address: "127.0.165.21", talosVersion: "v1.11.5" });
  expect([a.stage, a.mode, a.version]).toEqual(["maintenance", "maintenance", twin.talosVersion]);
  expect(b.version).toBe("v1.11.5");
  expect(await listening("127.0.165.20")).toBe(true);
  await twin.removeNode("vm101");
  expect(await listening("127.0.165.20")).toBe(false);
  expect(twin.status().nodes.map((n) => n.name)).toEqual(["vm102"]);
  await twin.removeNode("127.0.165.21");
  expect(twin.status().nodes).toEqual([]);
});

test("duplicates, malformed and foreign addresses are refused with what to do", async () => {
  await twin.addNode({ name: "vm201", address: "127.0.165.30" });
  await expect(twin.addNode({ name: "vm201", address: "127.0.165.31" })).rejects.toThrow(
    /already has node vm201/,
  );
  await expect(twin.addNode({ name: "vm202", address: "127.0.165.30" })).rejects.toThrow(
    /already has node vm201 at 127.0.165.30/,
  );
  await expect(twin.addNode({ name: "bad name!", address: "127.0.165.32" })).rejects.toBeInstanceOf(
    UserError,
  );
  await expect(twin.addNode({ name: "vm203", address: "10.8.16" })).rejects.toThrow(/not an IPv4 address/);
  await expect(twin.addNode({ name: "vm204", address: "127.0.165.33", talosVersion: "1.x" })).rejects.toThrow(
    /not a version/,
  );
  const foreign = await twin.addNode({ name: "vm205", address: "192.0.2.77" }).catch((e: unknown) => e);
  expect(foreign).toBeInstanceOf(UserError);
  expect((foreign as UserError).hint).toMatch(/ip addr add 192.0.2.77\/32 dev lo/);
  expect(twin.status().nodes.map((n) => n.name)).toEqual(["vm201"]);
  await twin.removeNode("vm201");
});
