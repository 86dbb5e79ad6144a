// `cairn talos etcd`: etcd member and snapshot operations (talosctl etcd).
import type { Command } from "commander";
import type { Io } from "../../output.js";
import { addApiFlags, addConnectionFlags, type ApiFlags } from "./api-flags.js";

export function registerEtcd(parent: Command, io: Io): void {
  const etcd = addConnectionFlags(parent.command("etcd").description("Manage the etcd cluster"));
  const action =
    (name: string) =>
    async (...args: unknown[]): Promise<void> => {
      const arg = typeof args[0] === "string" ? args[0] : undefined;
      const opts = args.find((a): a is ApiFlags => typeof a === "object" && a !== null && "nodes" in a)!;
      const { runEtcd } = await import("./api-run.js");
      await runEtcd(name, arg, opts, io);
    };
  addApiFlags(etcd.command("members").description("List etcd members"), { output: true }).action(
    action("members"),
  );
  addApiFlags(etcd.command("status").description("Show etcd member status"), { output: true }).action(
    action("status"),
  );
  addApiFlags(
    etcd
      .command("snapshot")
      .argument("<file>", "where to write the snapshot (mode 0600)")
      .description("Stream an etcd snapshot to a file"),
  ).action(action("snapshot"));
  addApiFlags(
    etcd
      .command("remove-member")
      .argument("<member-id>", "member ID as shown by `etcd members`")
      .description("Remove a member that is gone"),
  ).action(action("remove-member"));
  addApiFlags(etcd.command("leave").description("Make the node leave the etcd cluster")).action(
    action("leave"),
  );
  addApiFlags(
    etcd.command("forfeit-leadership").description("Move etcd leadership away from the node"),
  ).action(action("forfeit-leadership"));
}
