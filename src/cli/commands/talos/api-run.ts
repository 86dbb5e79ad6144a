// The actions of the `cairn talos` commands that talk to nodes. Loaded lazily by each command's action.
import { createWriteStream } from "node:fs";
import { chmod, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { finished } from "node:stream/promises";
import { stringify } from "yaml";
import { UserError } from "../../../errors.js";
import { SECRET_FILE_MODE, writeFileAtomic } from "../../../io/files.js";
import type { ApplyModeName } from "../../../talos/api/client.js";
import { timestampToDate } from "../../../talos/api/messages.js";
import type { Io } from "../../output.js";
import type { ApiFlags } from "./api-flags.js";
import { json, reportNodeErrors, resultsJson, table, withSession, type Session } from "./api-session.js";

const APPLY_MODES: readonly ApplyModeName[] = ["auto", "no-reboot", "reboot", "staged", "try"];

function single(s: Session, what: string): string | undefined {
  if (s.nodes.length > 1)
    throw new UserError(`${what} works on one node at a time`, { hint: "pass a single -n" });
  return s.nodes[0];
}

export async function runVersion(flags: ApiFlags, io: Io): Promise<void> {
  await withSession(flags, io, async (s) => {
    const results = await s.client.version(s.nodes);
    if (s.format === "json") io.out(resultsJson(results));
    else
      for (const r of results) {
        if (!r.ok) continue;
        const v = r.value.version;
        io.out(
          `\tNODE:        ${r.node}\n\tTag:         ${v?.tag ?? ""}\n\tSHA:         ${v?.sha ?? ""}\n` +
            `\tBuilt:       ${v?.built ?? ""}\n\tGo version:  ${v?.go_version ?? ""}\n` +
            `\tOS/Arch:     ${v?.os ?? ""}/${v?.arch ?? ""}\n` +
            (r.value.features?.rbac ? "\tEnabled:     RBAC\n" : ""),
        );
      }
    reportNodeErrors(results, io);
  });
}

export async function runApplyConfig(
  flags: ApiFlags & { file?: string; mode: string; dryRun?: boolean },
  io: Io,
): Promise<void> {
  if (!flags.file)
    throw new UserError("apply-config needs the machine config", { hint: "pass --file <config.yaml>" });
  if (!APPLY_MODES.includes(flags.mode as ApplyModeName))
    throw new UserError(`--mode must be one of ${APPLY_MODES.join(", ")}, not "${flags.mode}"`);
  const config = await readFile(flags.file).catch((e: NodeJS.ErrnoException) => {
    throw new UserError(`cannot read ${flags.file}: ${e.code ?? e.message}`);
  });
  // Maintenance mode dials each node directly, one session per node.
  const targets = flags.insecure ? (flags.nodes.length ? flags.nodes : flags.endpoints) : [undefined];
  for (const target of targets) {
    const f = target ? { ...flags, nodes: [target], endpoints: [] } : flags;
    await withSession(f, io, async (s) => {
      const results = await s.client.applyConfiguration(
        config,
        { mode: flags.mode as ApplyModeName, dryRun: flags.dryRun ?? false },
        s.nodes,
      );
      for (const r of results) {
        if (!r.ok) continue;
        for (const w of r.value.warnings) io.err(`warning: ${r.node}: ${w}\n`);
        if (r.value.mode_details) io.out(`${r.node}: ${r.value.mode_details}\n`);
      }
      reportNodeErrors(results, io);
    });
  }
}

export async function runBootstrap(flags: ApiFlags, io: Io): Promise<void> {
  await withSession(flags, io, async (s) => {
    const node = single(s, "bootstrap");
    reportNodeErrors(await s.client.bootstrap({}, node ? [node] : []), io);
  });
}

export async function runUpgrade(
  flags: ApiFlags & { image: string; stage?: boolean; force?: boolean },
  io: Io,
): Promise<void> {
  await withSession(flags, io, async (s) => {
    const results = await s.client.upgrade(
      flags.image,
      {
        ...(flags.stage ? { stage: true } : {}),
        ...(flags.force ? { force: true } : {}),
        onProgress: (node, message) => io.err(`${node}: ${message}\n`),
      },
      s.nodes,
    );
    for (const r of results) {
      if (r.ok) io.out(`${r.node}: upgrade ${r.ack ? `accepted (${r.ack})` : "installed, rebooting"}\n`);
      else io.err(`error: ${r.error?.message ?? `${r.node}: upgrade failed`}\n`);
    }
    if (results.some((r) => !r.ok)) process.exitCode = 1;
  });
}

export async function runReset(
  flags: ApiFlags & { graceful: string; reboot?: boolean },
  io: Io,
): Promise<void> {
  if (flags.graceful !== "true" && flags.graceful !== "false")
    throw new UserError(`--graceful must be true or false, not "${flags.graceful}"`);
  await withSession(flags, io, async (s) => {
    reportNodeErrors(
      await s.client.reset({ graceful: flags.graceful === "true", reboot: flags.reboot ?? false }, s.nodes),
      io,
    );
  });
}

export async function runReboot(flags: ApiFlags & { mode?: string }, io: Io): Promise<void> {
  const mode = (flags.mode ?? "default").toUpperCase();
  if (!["DEFAULT", "POWERCYCLE", "FORCE"].includes(mode))
    throw new UserError(`--mode must be default, powercycle or force, not "${flags.mode}"`);
  await withSession(flags, io, async (s) => {
    reportNodeErrors(await s.client.reboot(mode as "DEFAULT", s.nodes), io);
  });
}

export async function runShutdown(flags: ApiFlags & { force?: boolean }, io: Io): Promise<void> {
  await withSession(flags, io, async (s) =>
    reportNodeErrors(await s.client.shutdown(flags.force ?? false, s.nodes), io),
  );
}

const hexId = (id: string): string => BigInt(id).toString(16).padStart(16, "0");

export async function runEtcd(
  action: string,
  arg: string | undefined,
  flags: ApiFlags,
  io: Io,
): Promise<void> {
  await withSession(flags, io, async (s) => {
    switch (action) {
      case "members": {
        const results = await s.client.etcdMemberList(false, s.nodes);
        if (s.format === "json") io.out(resultsJson(results, (v) => ({ members: v.members })));
        else {
          const rows = results.flatMap((r) =>
            r.ok
              ? r.value.members.map((m) => [
                  r.node,
                  hexId(m.id),
                  m.hostname,
                  m.peer_urls.join(","),
                  m.client_urls.join(","),
                  String(m.is_learner),
                ])
              : [],
          );
          io.out(table(["NODE", "ID", "HOSTNAME", "PEER URLS", "CLIENT URLS", "LEARNER"], rows));
        }
        return reportNodeErrors(results, io);
      }
      case "status": {
        const results = await s.client.etcdStatus(s.nodes);
        if (s.format === "json") io.out(resultsJson(results, (v) => v.member_status ?? {}));
        else {
          const rows = results.flatMap((r) => {
            const m = r.ok ? r.value.member_status : null;
            if (!m) return [];
            const pct = Number(m.db_size)
              ? Math.round((Number(m.db_size_in_use) / Number(m.db_size)) * 100)
              : 0;
            return [
              [
                r.node,
                hexId(m.member_id),
                formatBytes(Number(m.db_size)),
                `${formatBytes(Number(m.db_size_in_use))} (${pct}%)`,
                hexId(m.leader),
                m.raft_index,
                m.raft_term,
                m.raft_applied_index,
                String(m.is_learner),
                m.errors.join(", "),
              ],
            ];
          });
          io.out(
            table(
              [
                "NODE",
                "MEMBER",
                "DB SIZE",
                "IN USE",
                "LEADER",
                "RAFT INDEX",
                "RAFT TERM",
                "RAFT APPLIED INDEX",
                "LEARNER",
                "ERRORS",
              ],
              rows,
            ),
          );
        }
        return reportNodeErrors(results, io);
      }
      case "remove-member":
        if (!arg)
          throw new UserError("etcd remove-member needs the member ID", {
            hint: "see `cairn talos etcd members`",
          });
        if (!/^(0x)?[0-9a-fA-F]+$/.test(arg)) throw new UserError(`"${arg}" is not an etcd member ID`);
        // talosctl prints member IDs in hex; accept them as shown.
        return reportNodeErrors(
          await s.client.etcdRemoveMemberByID(BigInt(arg.startsWith("0x") ? arg : `0x${arg}`), s.nodes),
          io,
        );
      case "leave":
        return reportNodeErrors(await s.client.etcdLeaveCluster(s.nodes), io);
      case "forfeit-leadership": {
        const results = await s.client.etcdForfeitLeadership(s.nodes);
        for (const r of results)
          if (r.ok && r.value.member) io.out(`${r.node}: leadership moved from ${r.value.member}\n`);
        return reportNodeErrors(results, io);
      }
      case "snapshot": {
        if (!arg)
          throw new UserError("etcd snapshot needs the file to write", {
            hint: "cairn talos etcd snapshot db.snapshot",
          });
        const node = single(s, "etcd snapshot");
        const bytes = await writeStreamSecret(arg, s.client.etcdSnapshot(node));
        io.out(`etcd snapshot saved to ${arg} (${bytes} bytes)\n`);
        return;
      }
      default:
        throw new UserError(`unknown etcd action "${action}"`, {
          hint: "one of members, status, snapshot, remove-member, leave, forfeit-leadership",
        });
    }
  });
}

function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** Streams into a 0600 temp file next to `path`, then renames: a failed download never leaves a partial file. */
async function writeStreamSecret(path: string, chunks: AsyncIterable<Buffer>): Promise<number> {
  const tmp = join(dirname(path), `.${basename(path)}.part`);
  const out = createWriteStream(tmp, { mode: SECRET_FILE_MODE });
  let total = 0;
  try {
    for await (const chunk of chunks) {
      total += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
    }
    out.end();
    await finished(out);
    await chmod(tmp, SECRET_FILE_MODE);
    await rename(tmp, path);
    return total;
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function runServices(flags: ApiFlags, io: Io): Promise<void> {
  await withSession(flags, io, async (s) => {
    const results = await s.client.serviceList(s.nodes);
    if (s.format === "json") io.out(resultsJson(results, (v) => ({ services: v.services })));
    else {
      const rows = results.flatMap((r) =>
        r.ok
          ? r.value.services.map((svc) => {
              const health = svc.health?.unknown ? "?" : svc.health?.healthy ? "OK" : "Fail";
              const changed = timestampToDate(svc.health?.last_change);
              const events = svc.events?.events ?? [];
              const last = events[events.length - 1];
              return [r.node, svc.id, svc.state, health, changed ? ago(changed) : "", last?.msg ?? ""];
            })
          : [],
      );
      io.out(table(["NODE", "SERVICE", "STATE", "HEALTH", "LAST CHANGE", "LAST EVENT"], rows));
    }
    reportNodeErrors(results, io);
  });
}

function ago(d: Date): string {
  const s = Math.max(0, Math.round((Date.now() - d.getTime()) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s ago`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m ago`;
}

export async function runKubeconfig(
  file: string | undefined,
  flags: ApiFlags & { force?: boolean },
  io: Io,
): Promise<void> {
  await withSession(flags, io, async (s) => {
    const node = single(s, "kubeconfig");
    const kubeconfig = await s.client.kubeconfig(node);
    if (file === "-") return io.out(kubeconfig.toString("utf8"));
    const path = file ?? "kubeconfig";
    writeFileAtomic(path, kubeconfig, { mode: SECRET_FILE_MODE });
    io.err(`kubeconfig written to ${path}\n`);
  });
}

export async function runGet(
  type: string,
  id: string | undefined,
  flags: ApiFlags & { namespace?: string },
  io: Io,
): Promise<void> {
  await withSession(
    flags,
    io,
    async (s) => {
      // COSI takes one `node` per call; several nodes are queried one after another, as talosctl does.
      const targets: (string | undefined)[] = s.nodes.length ? s.nodes : [undefined];
      const rows: string[][] = [];
      const docs: unknown[] = [];
      for (const node of targets) {
        const rt = await s.client.resolveResourceType(type, node);
        const resources = id
          ? [await s.client.cosiGet(rt, id, node, flags.namespace)]
          : await s.client.cosiList(rt, node, flags.namespace);
        const label = node ?? "";
        for (const r of resources) {
          rows.push([label, r.namespace, r.type, r.id, r.version]);
          docs.push({
            node: label,
            metadata: { namespace: r.namespace, type: r.type, id: r.id, version: r.version, phase: r.phase },
            spec: r.spec,
          });
        }
      }
      if (s.format === "json") io.out(json(docs));
      else if (s.format === "yaml") io.out(docs.map((d) => stringify(d)).join("---\n"));
      else io.out(table(["NODE", "NAMESPACE", "TYPE", "ID", "VERSION"], rows));
    },
    ["text", "json", "yaml"],
  );
}

export async function runHealth(flags: ApiFlags & { waitTimeout?: string }, io: Io): Promise<void> {
  const minutes = flags.waitTimeout ? parseDurationMs(flags.waitTimeout) : 20 * 60_000;
  await withSession(flags, io, async (s) => {
    const node = single(s, "health");
    for await (const p of s.client.healthCheck({ waitTimeoutMs: minutes }, node)) io.out(`${p.message}\n`);
  });
}

function parseDurationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!m) throw new UserError(`"${text}" is not a duration`, { hint: "use e.g. 30s, 10m or 1h" });
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms"];
}

async function pipeChunks(
  stream: AsyncIterable<{ node: string; bytes: Buffer; error?: Error }>,
  multi: boolean,
  io: Io,
): Promise<void> {
  let failed = false;
  for await (const c of stream) {
    if (c.error) {
      failed = true;
      io.err(`error: ${c.error.message}\n`);
      continue;
    }
    const text = c.bytes.toString("utf8");
    // With several nodes talosctl prefixes each line with its node.
    io.out(multi ? text.replace(/^(?=.)/gm, `${c.node}: `) : text);
  }
  if (failed) process.exitCode = 1;
}

function abortOnSigint(): AbortSignal {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  return controller.signal;
}

export async function runLogs(
  service: string,
  flags: ApiFlags & { kubernetes?: boolean; follow?: boolean; tail?: string },
  io: Io,
): Promise<void> {
  const tail = flags.tail === undefined ? -1 : Number(flags.tail);
  if (!Number.isInteger(tail)) throw new UserError(`--tail must be a number of lines, not "${flags.tail}"`);
  await withSession(flags, io, async (s) => {
    const stream = s.client.logs(
      service,
      {
        kubernetes: flags.kubernetes ?? false,
        follow: flags.follow ?? false,
        tailLines: tail,
        signal: abortOnSigint(),
      },
      s.nodes,
    );
    await pipeChunks(stream, s.nodes.length > 1, io);
  });
}

export async function runDmesg(
  flags: ApiFlags & { follow?: boolean; tail?: boolean },
  io: Io,
): Promise<void> {
  await withSession(flags, io, async (s) => {
    const stream = s.client.dmesg(
      { follow: flags.follow ?? false, tail: flags.tail ?? false, signal: abortOnSigint() },
      s.nodes,
    );
    await pipeChunks(stream, s.nodes.length > 1, io);
  });
}
