// What Talos does to the Kubernetes node itself around a machine operation, so cairn never drains twice and
// uncordons only what it cordoned. Read from the Talos sources at tags v1.9.0, v1.10.0, v1.11.0, v1.12.0, v1.13.0 and
// v1.14.0-rc.1 (internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_sequencer.go, identical in this respect):
//
// - Upgrade sequence (MachineService/Upgrade, not staged): phase "drain" = CordonAndDrainNode unless the kubelet
//   skips node registration. The cordon is Talos' own (annotation talos.dev/cordoned) and the NodeApply controller
//   uncordons such a node once it is back.
// - StageUpgrade (MachineService/Upgrade with stage=true, applied at the next reboot): no drain.
// - LifecycleService/Upgrade (Talos ≥ 1.13; what cairn's client uses there) only installs the image into the other
//   A/B slot; the Reboot cairn sends afterwards runs the Reboot sequence, which never drains (talosctl 1.13+ drains
//   client-side with --drain).
// - Reset: drains (errors only logged) when graceful and the node is registered; a non-graceful reset does not.
// - Shutdown: drains unless forced. Reboot: never.
import { compareMinor, parseVersion } from "../talos/versions.js";

export type TalosNodeOperation =
  | { kind: "upgrade"; api: "lifecycle" | "legacy"; stage?: boolean }
  | { kind: "reset"; graceful: boolean }
  | { kind: "reboot" }
  | { kind: "shutdown"; force?: boolean };

export interface TalosDrainBehaviour {
  /** Talos cordons and drains the node itself during the operation. */
  talosDrains: boolean;
  /** Talos uncordons the node when it is back (only for its own cordon). */
  talosUncordons: boolean;
  /** cairn should cordon and drain before the operation (and uncordon after, where the node comes back). */
  cairnDrains: boolean;
  why: string;
}

/**
 * Who drains the node for `op` on a node running `talosVersion`. `registered` is false when the kubelet skips node
 * registration (machine.kubelet.skipNodeRegistration): then there is no Node to drain.
 */
export function talosDrainBehaviour(
  talosVersion: string,
  op: TalosNodeOperation,
  registered = true,
): TalosDrainBehaviour {
  const v = parseVersion(talosVersion);
  const minor = v ? `${v.major}.${v.minor}` : "1.13";
  if (!registered)
    return {
      talosDrains: false,
      talosUncordons: false,
      cairnDrains: false,
      why: "the kubelet does not register a Node (skipNodeRegistration)",
    };
  const lifecycleAvailable = compareMinor(minor, "1.13") >= 0;
  switch (op.kind) {
    case "upgrade":
      if (op.api === "lifecycle" && lifecycleAvailable)
        return {
          talosDrains: false,
          talosUncordons: false,
          cairnDrains: true,
          why: `Talos ${minor}: LifecycleService/Upgrade installs the image and the Reboot sequence does not drain`,
        };
      if (op.stage)
        return {
          talosDrains: false,
          talosUncordons: false,
          cairnDrains: true,
          why: `Talos ${minor}: a staged upgrade reboots through the StageUpgrade sequence, which does not drain`,
        };
      return {
        talosDrains: true,
        talosUncordons: true,
        cairnDrains: false,
        why: `Talos ${minor}: the Upgrade sequence cordons (talos.dev/cordoned) and drains, and uncordons after boot`,
      };
    case "reset":
      return op.graceful
        ? {
            talosDrains: true,
            talosUncordons: false,
            cairnDrains: false,
            why: `Talos ${minor}: a graceful reset cordons and drains first (drain errors are only logged)`,
          }
        : {
            talosDrains: false,
            talosUncordons: false,
            cairnDrains: true,
            why: `Talos ${minor}: a non-graceful reset does not drain`,
          };
    case "reboot":
      return {
        talosDrains: false,
        talosUncordons: false,
        cairnDrains: true,
        why: `Talos ${minor}: the Reboot sequence does not drain`,
      };
    case "shutdown":
      return op.force
        ? {
            talosDrains: false,
            talosUncordons: false,
            cairnDrains: true,
            why: `Talos ${minor}: a forced shutdown does not drain`,
          }
        : {
            talosDrains: true,
            talosUncordons: false,
            cairnDrains: false,
            why: `Talos ${minor}: the Shutdown sequence cordons and drains unless forced`,
          };
  }
}
