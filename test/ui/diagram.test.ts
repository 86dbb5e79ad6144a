// `cairn diagram` on every example: the SVG parses as strict XML (any parser warning fails), and the spec's own
// words, read straight from the YAML rather than through cairn's model, are all in it: every node with each of
// its addresses on its network's lane, every network with its CIDR and VLAN, the VIP and every pool's addresses.
// Geometry is checked too: node boxes never overlap, everything lies inside the picture, ports sit on their bus.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderSvg, escapeXml } from "../../src/ui/svg.js";
import { layoutTopology, type TopologyModel } from "../../src/ui/topology.js";
import { runCairn } from "../helpers/cli.js";
import { REPO_ROOT } from "../helpers/shared.js";

const EXAMPLES = join(REPO_ROOT, "examples");
const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml"));
const tmp = mkdtempSync(join(tmpdir(), "cairn-diagram-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function strictParse(svg: string): Document {
  const doc = new DOMParser({
    onError: (level, message) => {
      throw new Error(`XML ${level}: ${message}`);
    },
  }).parseFromString(svg, "image/svg+xml");
  return doc;
}

const all = (root: Document | Element, tag: string): Element[] => Array.from(root.getElementsByTagName(tag));
const texts = (e: Element): string[] => all(e, "text").map((t) => t.textContent ?? "");
const num = (e: Element, a: string): number => {
  const v = Number(e.getAttribute(a));
  expect(Number.isFinite(v), `${e.tagName} ${a}="${e.getAttribute(a)}"`).toBe(true);
  return v;
};

interface RawSpec {
  networks: Record<string, { cidr: string; vlan?: number }>;
  controlPlane?: { vip?: { address: string } };
  nodes: { name: string; interfaces?: { network: string; address?: string }[] }[];
  addons?: { loadBalancer?: { pools?: { name: string; addresses: string[] }[] } };
}

describe.each(examples)("cairn diagram -f examples/%s", (example) => {
  const raw = parse(readFileSync(join(EXAMPLES, example), "utf8")) as RawSpec;
  let svg = "";

  it("writes an SVG that parses as strict XML, the same twice", async () => {
    const out = join(tmp, example.replace(/\.yaml$/, ".svg"));
    const r = await runCairn("diagram", "-f", join(EXAMPLES, example), "-o", out);
    expect(r.code, r.err).toBe(0);
    svg = readFileSync(out, "utf8");
    const again = await runCairn("diagram", "-f", join(EXAMPLES, example));
    expect(again.code).toBe(0);
    expect(again.out).toBe(svg);
    const doc = strictParse(svg);
    const root = doc.documentElement!;
    expect(root.tagName).toBe("svg");
    expect(root.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    expect(root.getAttribute("viewBox")).toBe(
      `0 0 ${root.getAttribute("width")} ${root.getAttribute("height")}`,
    );
    expect(all(doc, "script")).toHaveLength(0);
    expect(all(doc, "title")[0]!.textContent).toBe(
      `cluster ${parse(readFileSync(join(EXAMPLES, example), "utf8")).name}`,
    );
  });

  it("shows every network with its CIDR and VLAN as a lane", () => {
    const doc = strictParse(svg);
    const lanes = all(doc, "g").filter((g) => g.getAttribute("class") === "lane");
    for (const [name, n] of Object.entries(raw.networks)) {
      const lane = lanes.filter((g) => g.getAttribute("data-lane") === name);
      expect(lane, `lane ${name}`).toHaveLength(1);
      const t = texts(lane[0]!);
      expect(t).toContain(name);
      expect(t).toContain(n.cidr);
      if (n.vlan) expect(t.join(" ")).toContain(`VLAN ${n.vlan}`);
    }
    expect(lanes.filter((g) => g.getAttribute("data-lane") !== "")).toHaveLength(
      Object.keys(raw.networks).length,
    );
  });

  it("shows every node once, with each address on its network's lane", () => {
    const doc = strictParse(svg);
    const groups = all(doc, "g");
    const nodeBoxes = groups.filter((g) => /\bnode\b/.test(g.getAttribute("class") ?? ""));
    expect(nodeBoxes.map((g) => g.getAttribute("data-node"))).toEqual(
      expect.arrayContaining(raw.nodes.map((n) => n.name)),
    );
    expect(nodeBoxes).toHaveLength(raw.nodes.length);
    const lanes = new Map(
      groups
        .filter((g) => g.getAttribute("class") === "lane")
        .map((g) => [g.getAttribute("data-lane")!, all(g, "line")[0]!]),
    );
    for (const n of raw.nodes) {
      const box = nodeBoxes.find((g) => g.getAttribute("data-node") === n.name)!;
      expect(texts(box)[0]).toBe(n.name);
      for (const i of n.interfaces ?? []) {
        const ports = groups.filter(
          (g) =>
            g.getAttribute("class") === "port" &&
            g.getAttribute("data-node") === n.name &&
            g.getAttribute("data-lane") === i.network,
        );
        expect(ports.length, `${n.name} on ${i.network}`).toBeGreaterThanOrEqual(1);
        const port = ports.find((p) =>
          i.address && i.address !== "auto" ? p.getAttribute("data-address") === i.address : true,
        );
        expect(port, `${n.name} ${i.address} on ${i.network}`).toBeDefined();
        if (i.address && i.address !== "auto") expect(texts(port!)[0]).toContain(i.address);
        // The junction dot sits on the lane's bus line.
        expect(num(all(port!, "circle")[0]!, "cx")).toBe(num(lanes.get(i.network)!, "x1"));
      }
    }
  });

  it("shows the VIP and every load-balancer pool with its addresses", () => {
    const doc = strictParse(svg);
    const services = all(doc, "g").filter((g) => (g.getAttribute("class") ?? "").startsWith("service"));
    const vip = raw.controlPlane?.vip?.address;
    const vips = services.filter((s) => s.getAttribute("data-service") === "vip");
    expect(vips).toHaveLength(vip ? 1 : 0);
    if (vip) expect(texts(vips[0]!)).toContain(vip);
    const pools = raw.addons?.loadBalancer?.pools ?? [];
    for (const p of pools) {
      const s = services.filter((x) => x.getAttribute("data-service") === p.name);
      expect(s, `pool ${p.name}`).toHaveLength(1);
      expect(texts(s[0]!)[0]).toContain(p.name);
      for (const a of p.addresses) expect(texts(s[0]!)).toContain(a);
    }
    expect(services).toHaveLength(pools.length + (vip ? 1 : 0));
  });

  it("keeps every box inside the picture and node boxes apart", () => {
    const doc = strictParse(svg);
    const root = doc.documentElement!;
    const W = num(root, "width");
    const H = num(root, "height");
    for (const r of all(doc, "rect")) {
      const x = num(r, "x");
      const y = num(r, "y");
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x + num(r, "width")).toBeLessThanOrEqual(W);
      expect(y + num(r, "height")).toBeLessThanOrEqual(H);
    }
    const boxes = all(doc, "rect")
      .filter((r) => r.getAttribute("class") === "node-box")
      .map((r) => ({ x: num(r, "x"), y: num(r, "y"), w: num(r, "width"), h: num(r, "height") }));
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        expect(apart, `node boxes ${i} and ${j} overlap`).toBe(true);
      }
  });
});

describe("topology layout", () => {
  const model: TopologyModel = {
    name: 'a<b>&"c"',
    talosVersion: "v1.12.0",
    kubernetesVersion: "1.33.0",
    endpoint: { url: "https://[fd00::1]:6443" },
    vip: undefined,
    spec: {
      provider: { type: "hetzner", location: "fsn1" },
      networks: { "net&<1>": { cidr: "fd00::/64", vlan: 7 } },
      addons: {
        loadBalancer: { type: "hcloud", pools: [{ name: "far", addresses: ["192.0.2.1-192.0.2.9"] }] },
      },
    },
    nodes: [
      {
        name: "n1",
        role: "controlplane",
        interfaces: [
          { network: "net&<1>", address: "fd00::10", vlan: 0, dhcp: false, link: { name: "eth1" } },
        ],
        spec: { hetzner: { serverType: "cx22" } },
      },
      {
        name: "n2",
        role: "worker",
        interfaces: [{ network: "net&<1>", address: undefined, vlan: undefined, dhcp: true, link: {} }],
        spec: { hetzner: { serverType: "cx22", location: "hel1" } },
      },
    ],
  };

  it("escapes every name, groups by location and keeps addresses outside every network on a lane of their own", () => {
    const t = layoutTopology(model);
    expect(t.groups.map((g) => g.label)).toEqual(["Hetzner fsn1", "Hetzner hel1"]);
    expect(t.lanes.map((l) => l.network)).toEqual(["net&<1>", ""]);
    expect(t.services[0]!.network).toBe("");
    expect(t.ports.map((p) => p.label)).toEqual(["fd00::10 eth1 · untagged", "dhcp"]);
    const svg = renderSvg(t, { live: true });
    const doc = strictParse(svg);
    expect(all(doc, "title")[0]!.textContent).toBe('cluster a<b>&"c"');
    expect(all(doc, "g").some((g) => g.getAttribute("data-lane") === "net&<1>")).toBe(true);
    expect(all(doc, "text").filter((x) => x.getAttribute("class") === "node-status")).toHaveLength(2);
    expect(escapeXml(`'&<>"`)).toBe("&apos;&amp;&lt;&gt;&quot;");
  });

  it("is deterministic", () => {
    expect(renderSvg(layoutTopology(model))).toBe(renderSvg(layoutTopology(model)));
  });

  it("refuses an invalid spec with the loader's message", async () => {
    const r = await runCairn("diagram", "-f", join(tmp, "missing.yaml"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/missing\.yaml/);
  });
});
