// Issue 11's acceptance on Hetzner Cloud, against the simulated API booting twin nodes, for the example of seed 001
// (Oxide: 3 + 2 on a private network): plan refuses without a Talos snapshot and names `cairn image hetzner`, which
// builds one through the (simulated) rescue system; apply killed at 10 random points then rerun ends healthy with no
// duplicate server, network, firewall, load balancer or image; removing a worker deletes exactly its server;
// destroy leaves nothing labelled for the cluster and every decoy untouched.
import { describe, expect, it } from "vitest";
import { expectCommonLife, runScenario, type Report } from "./e2e-run.js";

const KILLS = Number(process.env.CAIRN_E2E_KILLS ?? 10);
const mine = (list: Report[]): Report[] => list.filter((x) => x.labels?.["cairn.dev/cluster"] === "oxide");

describe("Hetzner Cloud end to end on the simulated API (unshare --net)", () => {
  it("seed 001: snapshot, network, firewall, placement groups, load balancer, 5 servers; killed and resumed", () => {
    const r = runScenario("hetzner-oxide.yaml", KILLS);
    expect(r.imagePrint.code).toBe(0);
    expect(r.imagePrint.tail).toMatch(/nothing was changed; run again with --yes/);
    expect(r.planNoImage.code).toBe(1);
    expect(r.planNoImage.tail).toMatch(
      /no Talos v1\.8\.0 snapshot for schematic 376567988ad3… .* run `cairn image hetzner --yes`/,
    );
    expect(r.imageBuild.code, r.imageBuild.tail).toBe(0);
    const out = r.plan1.out as string;
    expect(out).toContain(
      "create the private network oxide (10.0.0.0/21) with the cloud subnet 10.0.1.0/24 in eu-central",
    );
    expect(out).toContain(
      "create the firewall oxide: in tcp 50000 from 203.0.113.10/32, tcp 6443 from 203.0.113.10/32",
    );
    expect(out).toContain("create the spread placement group oxide-cp (3 servers on different hosts)");
    expect(out).toContain("create the spread placement group oxide-worker-1 (2 servers on different hosts)");
    expect(out).toContain("create the load balancer oxide-api (lb11 in nbg1) at 10.0.1.254 in oxide");
    expect(out).toMatch(
      /create server control-plane-1: cpx32 in nbg1, Talos snapshot \d+, private IP 10\.0\.1\.1 on oxide, placement group oxide-cp/,
    );
    expect(out).toMatch(/user_data = gzip\+base64 of its machine config \([\d,]+ of 32,768 bytes\)/);
    expect(out).toContain("reserve an IPv4 floating IP oxide-api in nbg1, assigned to control-plane-1");
    expectCommonLife(r, KILLS);

    // The endpoint is the load balancer (10.0.1.254); the simulated one forwards to a control plane's API server.
    expect(r.kubeconfigServer).toBe("https://10.0.1.254:6443");
    expect(r.kubectlViaLb.code, r.kubectlViaLb.err).toBe(0);
    expect(r.kubectlViaLb.out).toContain("node/control-plane-1");
    const s = r.afterApply;
    const servers = mine(s.servers);
    expect(servers.map((x) => x.name).sort()).toEqual([
      "control-plane-1",
      "control-plane-2",
      "control-plane-3",
      "worker-1",
      "worker-2",
    ]);
    expect(servers.every((x) => x.status === "running")).toBe(true);
    const ips = Object.fromEntries(servers.map((x) => [x.name, x.private_net.map((p: Report) => p.ip)]));
    expect(ips).toEqual({
      "control-plane-1": ["10.0.1.1"],
      "control-plane-2": ["10.0.1.2"],
      "control-plane-3": ["10.0.1.3"],
      "worker-1": ["10.0.1.4"],
      "worker-2": ["10.0.1.5"],
    });
    expect(mine(s.networks).map((x) => x.name)).toEqual(["oxide"]);
    expect(mine(s.firewalls).map((x) => x.name)).toEqual(["oxide"]);
    expect(
      mine(s.placement_groups)
        .map((x) => x.name)
        .sort(),
    ).toEqual(["oxide-cp", "oxide-worker-1"]);
    const lbs = mine(s.load_balancers);
    expect(lbs.map((x) => x.name)).toEqual(["oxide-api"]);
    expect(lbs[0]!.private_net.map((p: Report) => p.ip)).toEqual(["10.0.1.254"]);
    expect(lbs[0]!.services.map((x: Report) => x.listen_port).sort()).toEqual([50000, 6443]);
    expect(lbs[0]!.targets).toMatchObject([
      {
        type: "label_selector",
        label_selector: { selector: "cairn.dev/cluster=oxide,cairn.dev/role=controlplane" },
        use_private_ip: true,
      },
    ]);
    // One floating IP however often apply was killed, on the first control plane.
    const fips = mine(s.floating_ips);
    expect(fips.map((x) => [x.name, x.type, x.home_location?.name])).toEqual([["oxide-api", "ipv4", "nbg1"]]);
    expect(fips[0]!.server).toBe(servers.find((x) => x.name === "control-plane-1")!.id);
    expect(s.images.filter((i: Report) => i.labels?.os === "talos")).toHaveLength(1);
    expect(s.ssh_keys).toEqual([]);
    expect(s.servers.filter((x: Report) => /^cairn-image-/.test(x.name))).toEqual([]);

    // The firewall changed behind cairn's back: diff shows it, plan updates it, apply puts the rules back.
    expect(r.driftDiff.code).toBe(2);
    expect(r.driftDiff.out).toContain("firewall oxide: the machine drifted");
    expect(r.driftPlan.out).toContain("update the firewall oxide: in tcp 50000 from 203.0.113.10/32");
    expect(r.driftApply.code, r.driftApply.tail).toBe(0);
    expect(r.driftPlanAfter.code).toBe(0);
    expect(r.driftDiffAfter.code).toBe(0);

    // The worker that left the spec: exactly its server deleted.
    expect(r.removalPlan.out).toMatch(/delete server worker-2 \(\d+, cpx42 in nbg1\)/);
    expect(r.removal.code).toBe(0);
    const left = mine(r.afterRemoval.servers);
    expect(left.map((x) => x.id).sort()).toEqual(
      servers
        .filter((x) => x.name !== "worker-2")
        .map((x) => x.id)
        .sort(),
    );
    expect(r.plan3.code).toBe(0);

    // destroy: nothing labelled for oxide; the decoys untouched; the shared snapshot kept and said so.
    const d = r.afterDestroy;
    for (const k of [
      "servers",
      "networks",
      "firewalls",
      "placement_groups",
      "load_balancers",
      "floating_ips",
    ])
      expect(mine(d[k]), k).toEqual([]);
    for (const decoy of r.decoys as { kind: string; key: number }[]) {
      const list = d[`${decoy.kind}s`] as Report[];
      expect(
        list.some((x) => x.id === decoy.key),
        `${decoy.kind} ${decoy.key}`,
      ).toBe(true);
    }
    expect(r.destroy.out).toMatch(/kept: Talos snapshot \d+/);
    expect(d.images.filter((i: Report) => i.labels?.os === "talos")).toHaveLength(1);
  }, 900_000);
});
