import { test } from "vitest";
import { startTwin } from "../../src/twin/twin.js";
import { bootstrap, clientCert, configure } from "./helpers.js";
import { kubectl } from "../helpers/kubectl.js";
import { adminKubeconfigFile, waitForKubeApi } from "./kube-helpers.js";
test("probe", async () => {
  const twin = await startTwin({ controlplanes: 1, workers: 1, subnet: "127.0.122.0/24", rebootMs: 200 });
  try {
    await configure(twin);
    await bootstrap(twin, await clientCert(["os:admin"]));
    await waitForKubeApi(twin, twin.nodes[0]!);
    const k = kubectl(await adminKubeconfigFile(twin.nodes[0]!));
    for (const args of (process.env.PROBE ?? "").split(";")) {
      const r = await k(args.split(" "));
      console.log("$ kubectl", args, "->", r.code, "\n", r.out, r.err);
    }
  } finally { await twin.stop(); }
}, 120000);
