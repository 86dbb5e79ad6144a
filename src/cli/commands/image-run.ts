// `cairn image hetzner` behind the command: which Talos snapshots the spec's servers need (schematic, version,
// architecture from the live server types), the recipe for each — printed, or run with --yes — and what exists.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../../errors.js";
import { bootImageOf, loadCluster } from "../../ops/open.js";
import { HetznerClient, hetznerEndpoint } from "../../providers/hetzner/client.js";
import {
  findTalosSnapshot,
  hetznerImageRecipe,
  runImageRecipe,
  type ImageRecipe,
  type RecipeStep,
} from "../../providers/hetzner/image-recipe.js";
import type { HetznerPlacement, HetznerSection } from "../../providers/hetzner/schema.js";
import { ed25519KeyPair } from "../../providers/hetzner/sshkey.js";
import { parseOutputFormat, type Io } from "../output.js";

export interface ImageFlags {
  file: string;
  yes?: boolean;
  location?: string;
  serverType?: string;
  output: string;
}

interface Need {
  schematic: string;
  talosVersion: string;
  arch: "x86" | "arm";
  nodes: string[];
}

function describeStep(s: RecipeStep): string[] {
  if (s.kind === "rescue-shell")
    return [
      `${s.title}`,
      `    ssh root@${s.host} sh -s <<'EOF'`,
      ...s.script.split("\n").map((l) => `      ${l}`),
      "    EOF",
    ];
  const body = s.body === undefined ? "" : ` ${JSON.stringify(s.body)}`;
  return [`${s.title}`, `    ${s.method} ${s.path}${body}`];
}

/** Runs the rescue script over ssh (or CAIRN_SSH), retrying while the rescue system is still booting. */
function rescueRunner(keyFile: string, knownHosts: string, env: NodeJS.ProcessEnv, io: Io) {
  const ssh = env.CAIRN_SSH?.trim() || "ssh";
  return async (host: string, script: string): Promise<void> => {
    const args = [
      "-i",
      keyFile,
      "-o",
      "BatchMode=yes",
      "-o",
      "StrictHostKeyChecking=accept-new",
      "-o",
      `UserKnownHostsFile=${knownHosts}`,
      "-o",
      "ConnectTimeout=10",
      `root@${host}`,
      "sh -s",
    ];
    for (let attempt = 1; ; attempt++) {
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(ssh, args, { stdio: ["pipe", "inherit", "inherit"], env });
        child.once("error", (e) =>
          reject(
            new UserError(`cannot run ${ssh}: ${e.message}`, {
              hint: "install openssh-client, or set CAIRN_SSH",
            }),
          ),
        );
        child.once("exit", (c) => resolve(c ?? 1));
        child.stdin.end(script);
      });
      if (code === 0) return;
      // 255: ssh could not connect (the rescue system is still booting).
      if (code !== 255 || attempt >= 30)
        throw new UserError(`the rescue script on ${host} failed (${ssh} exit ${code})`, {
          hint: "run `cairn image hetzner --yes` again: leftovers of this build are removed first",
        });
      io.err(`  rescue system at ${host} not reachable yet; retrying (${attempt})\n`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  };
}

export async function runImageHetzner(
  opts: ImageFlags,
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const { model } = loadCluster({ file: opts.file, simulated: false });
  if (model.spec.provider.type !== "hetzner")
    throw new UserError(
      `${opts.file} is a ${model.spec.provider.type} cluster; \`cairn image hetzner\` makes Hetzner snapshots`,
    );
  const section = model.spec.provider as HetznerSection;
  const location = opts.location ?? section.location;
  const token = env[section.tokenEnv]?.trim();
  if (opts.yes && !token)
    throw new UserError(`the Hetzner Cloud token variable ${section.tokenEnv} is not set`, {
      hint: `export ${section.tokenEnv} (a Read & Write project token) to run the recipe`,
    });
  const hc = token ? new HetznerClient({ token, env }) : undefined;
  const types = hc ? await hc.serverTypes() : [];
  const needs = new Map<string, Need>();
  for (const n of model.nodes) {
    const img = bootImageOf(model, n.name)!;
    const type = (n.spec as { hetzner?: HetznerPlacement }).hetzner?.serverType ?? "";
    const arch = types.find((t) => t.name === type)?.architecture ?? (/^cax/.test(type) ? "arm" : "x86");
    const key = `${img.schematicId}/${img.talosVersion}/${arch}`;
    const need = needs.get(key) ?? {
      schematic: img.schematicId,
      talosVersion: img.talosVersion,
      arch,
      nodes: [],
    };
    need.nodes.push(n.name);
    needs.set(key, need);
  }
  const dir = opts.yes ? mkdtempSync(join(tmpdir(), "cairn-image-")) : undefined;
  const results: Record<string, unknown>[] = [];
  try {
    const key = dir ? ed25519KeyPair("cairn-image") : undefined;
    if (dir && key) writeFileSync(join(dir, "key"), key.privateKey, { mode: 0o600 });
    for (const need of needs.values()) {
      const recipe: ImageRecipe = hetznerImageRecipe({
        schematic: need.schematic,
        talosVersion: need.talosVersion,
        arch: need.arch,
        location,
        ...(opts.serverType ? { serverType: opts.serverType } : {}),
        sshPublicKey: key?.publicKey ?? "<a throwaway ssh-ed25519 key cairn makes>",
      });
      const existing = hc
        ? await findTalosSnapshot(hc, need.schematic, need.talosVersion, need.arch)
        : undefined;
      const head = `Talos ${need.talosVersion} ${need.arch} snapshot for schematic ${need.schematic.slice(0, 12)}… (nodes ${need.nodes.join(", ")}), labels ${recipe.selector}`;
      if (existing) {
        results.push({ ...need, snapshot: existing.id, reused: true });
        if (format === "text")
          io.out(`${head}\n  exists: snapshot ${existing.id} (${existing.description})\n`);
        continue;
      }
      if (!opts.yes || !hc || !dir) {
        results.push({ ...need, snapshot: null, recipe: recipe.steps });
        if (format === "text")
          io.out(
            [
              `${head}`,
              `  recipe (${hc ? `against ${hetznerEndpoint(env)}` : "not checked: no token"}), image ${recipe.imageUrl}:`,
              ...recipe.steps.flatMap((s, i) =>
                describeStep(s).map((l, j) => (j === 0 ? `  ${i + 1}. ${l}` : `  ${l}`)),
              ),
            ].join("\n") + "\n",
          );
        continue;
      }
      if (format === "text") io.out(`${head}\n`);
      const r = await runImageRecipe(hc, recipe, {
        runRescueShell: rescueRunner(join(dir, "key"), join(dir, "known_hosts"), env, io),
        onStep: (s) => format === "text" && io.out(`  → ${s.title}\n`),
      });
      for (const l of r.removedLeftovers) io.err(`  removed a leftover of an interrupted build: ${l}\n`);
      results.push({ ...need, snapshot: r.image.id, reused: r.reused });
      if (format === "text") io.out(`  snapshot ${r.image.id} ready (${r.image.description})\n`);
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  if (format === "json") io.out(`${JSON.stringify({ snapshots: results }, null, 2)}\n`);
  else if (!opts.yes && results.some((r) => r.snapshot === null))
    io.out("nothing was changed; run again with --yes to make the missing snapshot(s)\n");
  return 0;
}
