// The twin's simulated Kubernetes API checked with the real kubectl v1.35 and cairn's own admin kubeconfig.
import { afterAll, beforeAll, expect, test } from "vitest";
import { startTwin, type Twin } from "../../src/twin/twin.js";
import { bootstrap, clientCert, configure } from "./helpers.js";
import { kubectl, type Kubectl, type KubectlResult } from "../helpers/kubectl.js";
import { adminKubeconfigFile, waitForKubeApi } from "./kube-helpers.js";

let twin: Twin;
let k: Kubectl;

beforeAll(async () => {
  twin = await startTwin({ controlplanes: 1, workers: 2, subnet: "127.0.121.0/24", rebootMs: 200 });
  await configure(twin);
  await bootstrap(twin, await clientCert(["os:admin"]));
  await waitForKubeApi(twin, twin.nodes[0]!);
  k = kubectl(await adminKubeconfigFile(twin.nodes[0]!));
}, 90_000);

afterAll(async () => {
  await twin?.stop();
});

const ok = (r: KubectlResult): string => {
  expect(r.err + (r.code === 0 ? "" : ` (exit ${r.code})`)).toBe(r.code === 0 ? r.err : "");
  return r.out;
};

test("version, readyz and get nodes", async () => {
  const v = await k(["version", "-o", "json"]);
  expect(v.code, v.err).toBe(0);
  expect(JSON.parse(v.out).serverVersion.gitVersion).toMatch(/-twin$/);
  expect(ok(await k(["get", "--raw", "/readyz"]))).toBe("ok");
  await twin.waitFor("three nodes registered", () => true, 1000);
  await new Promise((r) => setTimeout(r, 1500));
  const nodes = await k(["get", "nodes"]);
  console.log(nodes.out, nodes.err);
  expect(nodes.code).toBe(0);
});
