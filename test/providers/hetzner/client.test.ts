// The Hetzner client against the simulated API (test/fakes/hetzner, validated by the OpenAPI document): the
// resources cairn makes for a cluster pass the schema and come back as documented; HCLOUD_ENDPOINT and the token
// come from the environment; pagination follows next_page; 429 and 423 are retried with backoff on the injected
// clock; resource_unavailable names the server type and location; failed actions and other codes are typed.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  HetznerClient,
  hetznerEndpoint,
  hetznerToken,
  type Clock,
} from "../../../src/providers/hetzner/client.js";
import {
  HetznerActionError,
  HetznerApiError,
  HetznerResourceUnavailableError,
} from "../../../src/providers/hetzner/errors.js";
import { labelSelector, ownedLabels } from "../../../src/providers/hetzner/labels.js";
import { encodeUserData } from "../../../src/providers/hetzner/userdata.js";
import { startFake, type FakeHandle } from "../../fakes/start.js";

let fake: FakeHandle;
let hc: HetznerClient;

const recordingClock = (): Clock & { slept: number[] } => {
  const slept: number[] = [];
  let now = 0;
  return { slept, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) };
};

beforeAll(async () => {
  fake = await startFake("hetzner", ["--action-ms", "60"]);
  hc = new HetznerClient({
    token: fake.info.token!,
    env: { HCLOUD_ENDPOINT: fake.info.endpoint },
    pollIntervalMs: 50,
  });
}, 30_000);

afterAll(async () => {
  await fake?.stop();
});

describe("endpoint and token", () => {
  test("HCLOUD_ENDPOINT overrides the public API; plain http only on loopback", () => {
    expect(hetznerEndpoint({})).toBe("https://api.hetzner.cloud/v1");
    expect(hetznerEndpoint({ HCLOUD_ENDPOINT: "http://127.0.0.1:8080/v1/" })).toBe(
      "http://127.0.0.1:8080/v1",
    );
    expect(() => hetznerEndpoint({ HCLOUD_ENDPOINT: "http://proxy.example:8080/v1" })).toThrow(
      /must use https/,
    );
    expect(hc.endpoint).toBe(fake.info.endpoint);
  });

  test("a missing token names the variable, never a value", () => {
    expect(() => hetznerToken({}, "HCLOUD_TOKEN_PROD")).toThrow(/HCLOUD_TOKEN_PROD is not set/);
    expect(hetznerToken({ HCLOUD_TOKEN: " abc " })).toBe("abc");
  });

  test("a wrong token is unauthorized", async () => {
    const bad = new HetznerClient({ token: "nope", endpoint: fake.info.endpoint, maxRetries: 0 });
    const e = await bad.servers().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HetznerApiError);
    expect((e as HetznerApiError).apiCode).toBe("unauthorized");
    expect((e as HetznerApiError).status).toBe(401);
  });
});

describe("a cluster's resources", () => {
  test("network, firewall, placement group, servers with fixed private IPs, load balancer, floating IP", async () => {
    const since = (await fake.log()).at(-1)?.seq ?? 0;
    const labels = ownedLabels("demo");
    expect((await hc.serverTypes()).map((t) => t.name)).toContain("cx23");
    expect((await hc.locations()).find((l) => l.name === "fsn1")?.network_zone).toBe("eu-central");

    const net = await hc.createNetwork({
      name: "cairn-demo",
      ip_range: "10.0.0.0/16",
      subnets: [{ type: "cloud", network_zone: "eu-central", ip_range: "10.0.1.0/24" }],
      labels,
    });
    expect(net.subnets[0]?.gateway).toBe("10.0.0.1");
    const fw = await hc.createFirewall({
      name: "cairn-demo",
      labels,
      rules: [
        { direction: "in", protocol: "tcp", port: "50000", source_ips: ["198.51.100.7/32"] },
        { direction: "in", protocol: "tcp", port: "6443", source_ips: ["198.51.100.7/32"] },
      ],
    });
    const pg = await hc.createPlacementGroup({ name: "cairn-demo-cp", type: "spread", labels });

    const config = "version: v1alpha1\nmachine:\n  type: controlplane\n".repeat(50);
    const userData = encodeUserData(config);
    expect(userData.fits).toBe(true);
    const created = await Promise.all(
      ["cp-1", "cp-2", "cp-3"].map((n) =>
        hc.createServer({
          name: `demo-${n}`,
          server_type: "cx23",
          image: "debian-12",
          location: "fsn1",
          start_after_create: false,
          user_data: userData.value,
          labels: { ...labels, "cairn.dev/role": "controlplane" },
          firewalls: [{ firewall: fw.firewall.id }],
          placement_group: pg.id,
        }),
      ),
    );
    await hc.waitActions(created.map((c) => c.action));
    // Fixed private IPs: attach to the network with the planned address while stopped, then power on.
    await Promise.all(
      created.map(async (c, i) => {
        await hc.waitAction(
          (
            await hc.serverAction(c.server.id, "attach_to_network", {
              network: net.id,
              ip: `10.0.1.${11 + i}`,
            })
          ).action,
        );
        await hc.waitAction((await hc.serverAction(c.server.id, "poweron")).action);
      }),
    );
    const servers = await hc.servers({
      label_selector: labelSelector({ ...labels, "cairn.dev/role": "controlplane" }),
    });
    expect(servers.map((s) => [s.name, s.status, s.private_net[0]?.ip])).toEqual([
      ["demo-cp-1", "running", "10.0.1.11"],
      ["demo-cp-2", "running", "10.0.1.12"],
      ["demo-cp-3", "running", "10.0.1.13"],
    ]);
    expect(
      servers.every(
        (s) => s.placement_group?.id === pg.id && s.public_net.firewalls[0]?.id === fw.firewall.id,
      ),
    ).toBe(true);

    const lb = await hc.createLoadBalancer({
      name: "cairn-demo-api",
      load_balancer_type: "lb11",
      location: "fsn1",
      labels,
      services: [6443, 50000].map((port) => ({
        protocol: "tcp",
        listen_port: port,
        destination_port: port,
        proxyprotocol: false,
        health_check: { protocol: "tcp", port, interval: 15, timeout: 10, retries: 3 },
      })),
    });
    await hc.waitAction(lb.action);
    await hc.waitAction(
      (await hc.loadBalancerAction(lb.load_balancer.id, "attach_to_network", { network: net.id })).action,
    );
    await hc.waitAction(
      (
        await hc.loadBalancerAction(lb.load_balancer.id, "add_target", {
          type: "label_selector",
          label_selector: { selector: "cairn.dev/cluster=demo,cairn.dev/role=controlplane" },
          use_private_ip: true,
        })
      ).action,
    );
    const fip = await hc.createFloatingIp({
      type: "ipv4",
      home_location: "fsn1",
      name: "cairn-demo-vip",
      labels,
    });

    // Everything owned is found by the label; deleting it leaves nothing.
    expect((await hc.loadBalancers({ label_selector: "cairn.dev/cluster=demo" })).length).toBe(1);
    await hc.deleteFloatingIp(fip.floating_ip.id);
    await hc.deleteLoadBalancer(lb.load_balancer.id);
    await hc.waitActions(await Promise.all(servers.map((s) => hc.deleteServer(s.id))));
    await hc.deleteFirewall(fw.firewall.id);
    await hc.deletePlacementGroup(pg.id);
    await hc.deleteNetwork(net.id);
    expect(await hc.servers({ label_selector: "cairn.dev/cluster=demo" })).toEqual([]);
    expect(await hc.networks({ label_selector: "cairn.dev/cluster=demo" })).toEqual([]);

    const log = await fake.log(since);
    expect(log.filter((e) => e.rejected)).toEqual([]);
    expect(log.filter((e) => (e as { responseErrors?: unknown }).responseErrors)).toEqual([]);
    expect(log.filter((e) => e.status >= 400)).toEqual([]);
  });

  test("lists follow the pages", async () => {
    for (let i = 0; i < 55; i++)
      await hc.createPlacementGroup({ name: `pg-${i}`, type: "spread", labels: { bulk: "yes" } });
    const since = (await fake.log()).at(-1)?.seq ?? 0;
    const all = await hc.placementGroups({ label_selector: "bulk" });
    expect(all.length).toBe(55);
    expect(new Set(all.map((g) => g.name)).size).toBe(55);
    const pages = (await fake.log(since)).map((e) => new URLSearchParams(e.query).get("page"));
    expect(pages).toEqual(["1", "2"]);
    for (const g of all) await hc.deletePlacementGroup(g.id);
  });
});

describe("retries and errors", () => {
  test("429 is retried with backoff and the RateLimit headers are read", async () => {
    await fake.faults([
      { method: "GET", path: "^/locations$", status: 429, code: "rate_limit_exceeded", times: 2 },
    ]);
    const clock = recordingClock();
    const c = new HetznerClient({ token: fake.info.token!, endpoint: fake.info.endpoint, clock });
    expect((await c.locations()).length).toBe(6);
    expect(clock.slept).toEqual([1000, 2000]);
    expect(c.rateLimit?.limit).toBe(3600);
    expect(c.rateLimit!.remaining).toBeLessThan(3600);
    expect(c.rateLimit!.reset).toBeGreaterThan(Date.now() / 1000 - 5);
  });

  test("the fake's own bucket runs out and refills like the API's", async () => {
    const since = (await fake.log()).at(-1)?.seq ?? 0;
    await fake.admin("POST", "/_fake/config", { bucket: 0, refillPerSecond: 5 });
    const c = new HetznerClient({ token: fake.info.token!, endpoint: fake.info.endpoint });
    const started = Date.now();
    expect((await c.serverTypes()).length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const log = (await fake.log(since)).filter((e) => e.path === "/server_types");
    expect(log.map((e) => [e.status, e.error])).toEqual([
      [429, "rate_limit_exceeded"],
      [200, undefined],
    ]);
    await fake.admin("POST", "/_fake/config", { bucket: 3600, refillPerSecond: 1 });
  });

  test("423 locked is retried; a POST that failed with 5xx is not", async () => {
    await fake.faults([
      { method: "POST", path: "^/placement_groups$", status: 423, code: "locked", times: 1 },
    ]);
    const clock = recordingClock();
    const c = new HetznerClient({ token: fake.info.token!, endpoint: fake.info.endpoint, clock });
    const g = await c.createPlacementGroup({ name: "after-lock", type: "spread" });
    expect(clock.slept).toEqual([1000]);
    await c.deletePlacementGroup(g.id);
    await fake.faults([
      { method: "POST", path: "^/placement_groups$", status: 503, code: "unavailable", times: 1 },
    ]);
    const e = await c.createPlacementGroup({ name: "after-503", type: "spread" }).catch((x: unknown) => x);
    expect((e as HetznerApiError).apiCode).toBe("unavailable");
    expect(clock.slept).toEqual([1000]);
  });

  test("resource_unavailable names the server type and location", async () => {
    await fake.admin("POST", "/_fake/config", { unavailable: ["cx33@nbg1"] });
    const e = await hc
      .createServer({ name: "sold-out", server_type: "cx33", image: "debian-12", location: "nbg1" })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HetznerResourceUnavailableError);
    expect((e as Error).message).toMatch(/server type cx33 in location nbg1/);
    expect((e as HetznerResourceUnavailableError).hint).toMatch(/another location or server type/);
  });

  test("an action that fails is a typed error naming it", async () => {
    await fake.admin("POST", "/_fake/config", { failActions: ["create_server"] });
    const r = await hc.createServer({
      name: "doomed",
      server_type: "cx23",
      image: "debian-12",
      location: "fsn1",
      start_after_create: false,
    });
    const e = await hc.waitAction(r.action).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HetznerActionError);
    expect((e as HetznerActionError).command).toBe("create_server");
    expect((e as Error).message).toContain(`server ${r.server.id}`);
    await hc.waitAction(await hc.deleteServer(r.server.id));
  });

  test("a duplicate name is uniqueness_error; an unknown field is refused by the schema", async () => {
    await hc.createPlacementGroup({ name: "dup", type: "spread" });
    const dup = await hc.createPlacementGroup({ name: "dup", type: "spread" }).catch((x: unknown) => x);
    expect((dup as HetznerApiError).apiCode).toBe("uniqueness_error");
    expect((dup as HetznerApiError).status).toBe(409);
    const since = (await fake.log()).at(-1)?.seq ?? 0;
    const bad = await hc
      .post("/placement_groups", { name: "x", type: "spread", labelz: {} })
      .catch((x: unknown) => x);
    expect((bad as HetznerApiError).status).toBe(422);
    expect((bad as HetznerApiError).apiMessage).toBe("invalid input: unknown field name 'labelz'");
    expect((await fake.rejected(since)).map((r) => r.rejected)).toEqual([{ labelz: "unknown field" }]);
  });

  test("user_data over the limit is refused by the API as by the plan check", async () => {
    const big = encodeUserData(
      Buffer.from(Array.from({ length: 200_000 }, () => Math.floor(Math.random() * 256))).toString("base64"),
    );
    expect(big.fits).toBe(false);
    const e = await hc
      .createServer({
        name: "too-big",
        server_type: "cx23",
        image: "debian-12",
        location: "fsn1",
        user_data: big.value,
      })
      .catch((x: unknown) => x);
    expect((e as HetznerApiError).apiCode).toBe("invalid_input");
  });
});
