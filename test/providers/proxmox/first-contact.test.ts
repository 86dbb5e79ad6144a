// TLS to Proxmox VE through the CLI, against the simulated PVE: with no CA and no pinned fingerprint, the first
// contact shows the node's certificate fingerprint and how to pin it; a wrong pin is refused; neither sends a single
// request (the token never leaves); the cluster CA or the right pin works. A missing token names its variables.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFake, type FakeHandle } from "../../fakes/start.js";
import { REPO_ROOT } from "../../helpers/shared.js";

let fake: FakeHandle;
const dir = mkdtempSync(join(tmpdir(), "cairn-first-contact-"));
const spec = join(dir, "cairn.yaml");

beforeAll(async () => {
  copyFileSync(join(REPO_ROOT, "examples/homelab-proxmox-vlans.yaml"), spec);
  fake = await startFake("proxmox", ["--nodes", "pve-ms01-01,pve-ms01-02,pve-aimax-01", "--task-ms", "20"]);
}, 60_000);
afterAll(async () => {
  await fake?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function plan(env: Record<string, string>) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/cairn.js"), "plan", "-f", spec], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, CAIRN_PROXMOX_ENDPOINT: fake.info.url, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("first contact with a Proxmox VE node", () => {
  it("names the token variables when they are unset", () => {
    const r = plan({ PROXMOX_TOKEN_ID: "", PROXMOX_TOKEN_SECRET: "" });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /the Proxmox API token is not set: PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET are empty/,
    );
  });

  it("shows the fingerprint to pin, refuses a wrong one, sends nothing either way; the CA or the pin works", async () => {
    const token = { PROXMOX_TOKEN_ID: fake.info.tokenId!, PROXMOX_TOKEN_SECRET: fake.info.tokenSecret! };
    const before = (await fake.log()).length;
    const first = plan(token);
    expect(first.code).toBe(1);
    expect(first.err).toContain(fake.info.fingerprint!);
    expect(first.err).toMatch(/pin it: provider\.fingerprint: "/);
    const wrong = plan({ ...token, CAIRN_PROXMOX_FINGERPRINT: "AA:".repeat(31) + "AA" });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(
      new RegExp(
        `has SHA-256 fingerprint ${fake.info.fingerprint}, not the pinned AA:AA.*refusing to send the API token`,
      ),
    );
    expect((await fake.log()).length).toBe(before);
    const pinned = plan({ ...token, CAIRN_PROXMOX_FINGERPRINT: fake.info.fingerprint! });
    expect(pinned.code, pinned.err).toBe(2);
    expect(pinned.out).toMatch(/TLS: pinned SHA-256/);
    const ca = plan({ ...token, CAIRN_PROXMOX_CA_FILE: fake.info.caFile! });
    expect(ca.code, ca.err).toBe(2);
    expect(ca.out).toContain(
      "create VM 101 on pve-ms01-01: talos-k8s-01, 4 cores, 8 GiB, 64 GiB disk on local-lvm",
    );
    expect(await fake.rejected()).toEqual([]);
  }, 120_000);
});
