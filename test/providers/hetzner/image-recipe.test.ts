// `cairn image hetzner` as data: the recipe's steps and API calls for a schematic and version, and performing them
// against the Hetzner fake, whose rescue system (a simulated shell) writes the image onto the disk only when the
// script pipes the Image Factory URL into dd. A rerun reuses the snapshot; a killed run's leftovers are removed.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HetznerClient } from "../../../src/providers/hetzner/client.js";
import {
  fillPlaceholders,
  findTalosSnapshot,
  hetznerImageRecipe,
  imageLabels,
  runImageRecipe,
  type ApiStep,
} from "../../../src/providers/hetzner/image-recipe.js";
import { labelProblem } from "../../../src/providers/hetzner/labels.js";
import { startFake, type FakeHandle } from "../../fakes/start.js";

const SCHEMATIC = "ce4c980550dd2ab1b17bbf2b08801c7eb59418eafe8f279833297925d67c7515";
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBnhWGxh3Hm3kkxdAaqx7w1xKi7TxO4pFvh1q7ErbCSk cairn-image";
const input = {
  schematic: SCHEMATIC,
  talosVersion: "v1.11.5",
  arch: "x86" as const,
  location: "fsn1",
  sshPublicKey: KEY,
};

describe("the recipe", () => {
  test("steps and calls for an x86 schematic", () => {
    const r = hetznerImageRecipe(input);
    expect(r.imageUrl).toBe(`https://factory.talos.dev/image/${SCHEMATIC}/v1.11.5/hcloud-amd64.raw.xz`);
    expect(r.steps.map((s) => (s.kind === "api" ? `${s.method} ${s.path}` : `ssh root@${s.host}`))).toEqual([
      "POST /ssh_keys",
      "POST /servers",
      "POST /servers/{server.id}/actions/enable_rescue",
      "POST /servers/{server.id}/actions/poweron",
      "ssh root@{server.ipv4}",
      "GET /servers/{server.id}",
      "POST /servers/{server.id}/actions/create_image",
      "DELETE /servers/{server.id}",
      "DELETE /ssh_keys/{sshKey.id}",
    ]);
    const server = r.steps[1] as ApiStep;
    expect(server.body).toMatchObject({
      server_type: "cx23",
      start_after_create: false,
      location: "fsn1",
      labels: r.buildLabels,
    });
    const shell = r.steps[4]!;
    expect(shell.kind === "rescue-shell" && shell.script).toContain(
      `wget -q -O - '${r.imageUrl}' | xz -d | dd of=/dev/sda`,
    );
    expect(r.selector).toBe(
      `cairn.dev/arch=x86,cairn.dev/schematic=${SCHEMATIC.slice(0, 32)},cairn.dev/talos-version=v1.11.5,os=talos`,
    );
    for (const [k, v] of Object.entries(r.labels)) expect(labelProblem(k, v)).toBeUndefined();
  });

  test("arm images use the arm64 platform and an arm server type", () => {
    const r = hetznerImageRecipe({ ...input, arch: "arm" });
    expect(r.imageUrl).toMatch(/hcloud-arm64\.raw\.xz$/);
    expect((r.steps[1] as ApiStep).body).toMatchObject({ server_type: "cax11" });
    expect(imageLabels(SCHEMATIC, "v1.11.5", "arm")["cairn.dev/arch"]).toBe("arm");
  });

  test("bad input is refused", () => {
    expect(() => hetznerImageRecipe({ ...input, schematic: "abc" })).toThrow(/64 hex/);
    expect(() => hetznerImageRecipe({ ...input, talosVersion: "1.11" })).toThrow(/vX\.Y\.Z/);
  });

  test("placeholders keep ids as numbers", () => {
    expect(
      fillPlaceholders(
        { ssh_keys: ["{sshKey.id}"], path: "/servers/{server.id}/x" },
        { "sshKey.id": 7, "server.id": 9 },
      ),
    ).toEqual({
      ssh_keys: [7],
      path: "/servers/9/x",
    });
  });
});

describe("performed against the Hetzner fake", () => {
  let fake: FakeHandle;
  let hc: HetznerClient;
  const shells: { host: string; script: string }[] = [];

  /** The rescue shell: find the server by its IPv4 and run the script in the fake's simulated rescue system. */
  const runRescueShell = async (host: string, script: string): Promise<void> => {
    shells.push({ host, script });
    const state = await fake.state<{
      servers: { id: number; public_net: { ipv4: { ip: string } | null } }[];
    }>();
    const server = state.servers.find((s) => s.public_net.ipv4?.ip === host);
    if (!server) throw new Error(`no server at ${host}`);
    await fake.admin("POST", `/_fake/servers/${server.id}/rescue-exec`, { script });
  };

  beforeAll(async () => {
    fake = await startFake("hetzner", ["--action-ms", "40"]);
    hc = new HetznerClient({ token: fake.info.token!, endpoint: fake.info.endpoint, pollIntervalMs: 30 });
  }, 30_000);
  afterAll(async () => fake?.stop());

  test("makes a labelled snapshot with the Talos image and leaves nothing temporary", async () => {
    const recipe = hetznerImageRecipe(input);
    expect(await findTalosSnapshot(hc, SCHEMATIC, "v1.11.5", "x86")).toBeUndefined();
    const steps: string[] = [];
    const result = await runImageRecipe(hc, recipe, {
      runRescueShell,
      onStep: (s) => steps.push(s.id),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms / 20)),
    });
    expect(result.reused).toBe(false);
    expect(steps).toEqual(recipe.steps.map((s) => s.id));
    expect(result.image).toMatchObject({
      type: "snapshot",
      status: "available",
      name: null,
      labels: recipe.labels,
    });
    expect(shells[0]!.host).toMatch(/^203\.0\.113\.\d+$/);
    const state = await fake.state<{
      images: { id: number; fake: { disk: { kind: string; talosVersion?: string } } }[];
      servers: unknown[];
      ssh_keys: unknown[];
    }>();
    expect(state.images.find((i) => i.id === result.image.id)?.fake.disk).toMatchObject({
      kind: "talos",
      talosVersion: "v1.11.5",
    });
    expect(state.servers).toEqual([]);
    expect(state.ssh_keys).toEqual([]);
    expect((await findTalosSnapshot(hc, SCHEMATIC, "v1.11.5", "x86"))?.id).toBe(result.image.id);
    const log = await fake.log();
    expect(log.filter((e) => e.rejected || (e as { responseErrors?: unknown }).responseErrors)).toEqual([]);
  });

  test("a rerun reuses the snapshot and changes nothing", async () => {
    const before = (await fake.log()).at(-1)!.seq;
    const result = await runImageRecipe(hc, hetznerImageRecipe(input), { runRescueShell });
    expect(result.reused).toBe(true);
    expect((await fake.log(before)).map((e) => e.method)).toEqual(["GET"]);
  });

  test("leftovers of a killed build are found by their label and removed first", async () => {
    const recipe = hetznerImageRecipe({ ...input, talosVersion: "v1.12.0" });
    // A run killed after creating its key and server.
    const key = await hc.createSshKey({
      name: "cairn-image-leftover",
      public_key: KEY,
      labels: recipe.buildLabels,
    });
    const s = await hc.createServer({
      name: "cairn-image-leftover",
      server_type: "cx23",
      image: "debian-12",
      location: "fsn1",
      start_after_create: false,
      labels: recipe.buildLabels,
      ssh_keys: [key.id],
    });
    await hc.waitAction(s.action);
    const result = await runImageRecipe(hc, recipe, {
      runRescueShell,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms / 20)),
    });
    expect(result.removedLeftovers).toEqual([
      `server cairn-image-leftover (${s.server.id})`,
      `ssh key cairn-image-leftover (${key.id})`,
    ]);
    expect(result.image.labels["cairn.dev/talos-version"]).toBe("v1.12.0");
  });

  test("a rescue shell that did not write the image gives a snapshot that is not Talos", async () => {
    const recipe = hetznerImageRecipe({ ...input, talosVersion: "v1.13.0" });
    const result = await runImageRecipe(hc, recipe, {
      runRescueShell: (host) => runRescueShell(host, "poweroff"),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms / 20)),
    });
    const state = await fake.state<{ images: { id: number; fake: { disk: { kind: string } } }[] }>();
    expect(state.images.find((i) => i.id === result.image.id)?.fake.disk.kind).toBe("system");
  });
});
