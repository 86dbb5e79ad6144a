// `cairn twin …`: a local simulated Talos fleet (real etcd, real mTLS) for rehearsals and end-to-end tests. Every
// action loads src/twin/ lazily so CLI start-up stays fast.
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { parseOutputFormat, type Io } from "../output.js";
import { deprecatedAlias } from "../flags.js";
import type { TwinStatus } from "../../twin/twin.js";

interface UpFlags {
  controlplanes: string;
  workers: string;
  talosVersion?: string;
  subnet?: string;
  rebootDuration: string;
  stateDir?: string;
  output: string;
}

function count(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UserError(`${flag} must be a whole number, not "${value}"`);
  return Number(value);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return (
    rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n") +
    "\n"
  );
}

function renderStatus(s: TwinStatus, withFingerprints: boolean): string {
  const rows = [
    [
      "NAME",
      "ROLE",
      "ADDRESS",
      "STAGE",
      "VERSION",
      "READY",
      "ETCD",
      "FAULTS",
      ...(withFingerprints ? ["FINGERPRINT"] : []),
    ],
  ];
  for (const n of s.nodes)
    rows.push([
      n.name,
      n.machineType ?? n.plannedRole,
      n.address,
      n.stage,
      n.version,
      n.ready ? "yes" : "no",
      n.etcd.running ? "running" : "-",
      n.faults.join(",") || "-",
      ...(withFingerprints ? [n.maintenanceFingerprint ?? "-"] : []),
    ]);
  const kube = (s.kube ?? []).filter((k) => k.serving);
  const lines = kube.length
    ? `Kubernetes API (simulated): ${kube.map((k) => `https://${k.address}:${k.port} (${k.node})`).join(", ")}` +
      `${s.kubeFaults?.length ? `; workload faults: ${s.kubeFaults.join(", ")}` : ""}\n`
    : "";
  return table(rows) + lines;
}

export function registerTwin(program: Command, io: Io): void {
  const twin = program
    .command("twin")
    .description("a local SIMULATED Talos fleet (real etcd, real mTLS) for rehearsals and tests")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  cairn twin up --controlplanes 3 --workers 2\n" +
        "  cairn twin status --output json\n" +
        "  cairn twin fault cp-2 crash\n" +
        "  cairn twin down\n",
    );
  const stateDirOption = [
    "--state-dir <dir>",
    "where the twin keeps its state and pid (default .cairn/twin)",
  ] as const;

  twin
    .command("up")
    .description("start a simulated fleet in the background; nodes come up in maintenance mode")
    .option("--controlplanes <n>", "control plane nodes", "1")
    .option("--workers <n>", "worker nodes", "0")
    .option("--talos-version <v>", "Talos version the nodes run (default: cairn's default, e.g. v1.13.9)")
    .option("--subnet <cidr>", "loopback subnet for node addresses", "127.0.100.0/24")
    .option("--reboot-duration <d>", "how long a simulated reboot takes", "2s")
    .option(...stateDirOption)
    .option("--output <format>", "output format: text, json", "text")
    .action(async (flags: UpFlags) => {
      const format = parseOutputFormat(flags.output);
      const { parseDuration } = await import("../../twin/faults.js");
      const rebootMs = parseDuration(flags.rebootDuration);
      if (rebootMs === undefined)
        throw new UserError(`--reboot-duration "${flags.rebootDuration}" is not a duration such as 2s`);
      const { up } = await import("../../twin/daemon.js");
      const status = await up({
        controlplanes: count("--controlplanes", flags.controlplanes),
        workers: count("--workers", flags.workers),
        ...(flags.talosVersion ? { talosVersion: flags.talosVersion } : {}),
        ...(flags.subnet ? { subnet: flags.subnet } : {}),
        rebootMs,
        ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
      });
      if (format === "json") return io.out(`${JSON.stringify(status, null, 2)}\n`);
      io.out(
        `twin (simulated): ${status.nodes.length} nodes, Talos ${status.talosVersion}, subnet ${status.subnet}, state ${status.stateDir}\n`,
      );
      io.out(renderStatus(status, true));
      io.out("Nodes are in maintenance mode: apply configs with `cairn talos apply-config --insecure`.\n");
    });

  twin
    .command("status")
    .description("show the simulated fleet: stages, versions, etcd, faults")
    .option(...stateDirOption)
    .option("--output <format>", "output format: text, json", "text")
    .action(async (flags: { stateDir?: string; output: string }) => {
      const format = parseOutputFormat(flags.output);
      const { status } = await import("../../twin/daemon.js");
      const s = await status(flags.stateDir);
      if (format === "json") return io.out(`${JSON.stringify(s, null, 2)}\n`);
      io.out(`twin (simulated): Talos ${s.talosVersion}, subnet ${s.subnet}\n`);
      io.out(
        renderStatus(
          s,
          s.nodes.some((n) => n.maintenanceFingerprint),
        ),
      );
    });

  twin
    .command("fault")
    .description(
      "inject a fault into a node: crash | hang | slow-reboot=DURATION | refuse-upgrade | partition | heal; " +
        "or into a workload of its simulated Kubernetes: crash-loop=NAMESPACE/NAME | image-pull=NAMESPACE/NAME",
    )
    .argument(
      "<node>",
      "node name or address, e.g. cp-2 or 127.0.100.2 (for a workload fault: any node of the cluster)",
    )
    .argument(
      "<fault>",
      "crash, hang, slow-reboot=30s, refuse-upgrade, partition, crash-loop=kube-system/coredns, image-pull=default/web or heal",
    )
    .option(...stateDirOption)
    .action(async (node: string, faultText: string, flags: { stateDir?: string }) => {
      const { fault } = await import("../../twin/daemon.js");
      io.out(describeFault(await fault(flags.stateDir, node, faultText), node, faultText));
    });

  twin
    .command("down")
    .description("stop the simulated fleet and every etcd member it started")
    .option(...stateDirOption)
    .action(async (flags: { stateDir?: string }) => {
      const { down } = await import("../../twin/daemon.js");
      const r = await down(flags.stateDir);
      io.out(
        r.stopped
          ? `twin (simulated) stopped (pid ${r.pid}); no twin or etcd process left\n`
          : "no twin was running\n",
      );
    });

  // The daemon itself; started by `twin up`, not meant for users.
  twin
    .command("serve", { hidden: true })
    .option("--controlplanes <n>", "", "1")
    .option("--workers <n>", "", "0")
    .option("--talos-version <v>")
    .option("--subnet <cidr>")
    .option("--reboot-duration <d>", "", "2s")
    .requiredOption("--state-dir <dir>")
    .action(async (flags: UpFlags & { stateDir: string }) => {
      const { parseDuration } = await import("../../twin/faults.js");
      const { serveDaemon } = await import("../../twin/daemon.js");
      await serveDaemon({
        controlplanes: count("--controlplanes", flags.controlplanes),
        workers: count("--workers", flags.workers),
        ...(flags.talosVersion ? { talosVersion: flags.talosVersion } : {}),
        ...(flags.subnet ? { subnet: flags.subnet } : {}),
        rebootMs: parseDuration(flags.rebootDuration) ?? 2000,
        stateDir: flags.stateDir,
      });
      // Keep running: the node servers hold the event loop open until a stop request or signal.
      await new Promise<never>(() => undefined);
    });
  for (const name of ["up", "status"]) {
    const sub = twin.commands.find((c) => c.name() === name)!;
    deprecatedAlias(sub, "-o <format>", { attribute: "output", spelling: "--output" });
  }
}

/**
 * What `twin fault` did, from the status the daemon returns. The node is looked up as the twin looks it up
 * (address or twin name, then the hostname its config gave it), so `twin fault talos-k8s-01 crash` on a spec's
 * twin names the node and shows the fault instead of "none".
 */
export function describeFault(s: TwinStatus, node: string, faultText: string): string {
  // Workload faults (crash-loop=NS/NAME, image-pull=NS/NAME) belong to the simulated Kubernetes, not to a machine.
  if (/^(crash-loop|image-pull)=/.test(faultText))
    return `twin (simulated): set ${faultText}; workload faults now: ${s.kubeFaults?.join(", ") || "none"}\n`;
  const n =
    s.nodes.find((x) => x.address === node || x.name === node) ?? s.nodes.find((x) => x.hostname === node);
  if (!n) return `twin (simulated): ${node}: ${faultText} sent, but the twin no longer lists that node\n`;
  const who = [n.hostname, n.name, n.address].filter((v, i, a) => v && a.indexOf(v) === i).join(", ");
  const action = faultText === "heal" ? "healed" : `set ${faultText} on`;
  return `twin (simulated): ${action} ${who}; its faults now: ${n.faults.join(", ") || "none"}\n`;
}
