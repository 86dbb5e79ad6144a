// A topology layout drawn as SVG text: the standalone `cairn diagram` output and the picture on the `cairn ui`
// page are this same text. Presentation attributes only (no <style>, no script), so the file renders anywhere and
// the page's strict Content-Security-Policy needs no inline styles; the page's stylesheet overrides colours by
// class to show live health. Every node, lane, port and service carries data-* attributes naming what it shows.
import type { Lane, Topology } from "./topology.js";

export interface SvgOptions {
  /** Leave an empty status line in each node box for the live page to fill (`cairn ui`). */
  live?: boolean;
}

const SANS = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif";
const MONO = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace";

/** Lane bus colours; each is at least 4.5:1 against white so labels drawn in it stay readable. */
const LANE_COLOURS = ["#0550ae", "#6639ba", "#116329", "#953800", "#99286e", "#0a5c6e", "#5a4a00"];
const INK = "#1f2328";
const MUTED = "#4d5560";

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

/** An XML id from any name (data-* attributes keep the exact name). */
function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`) || "_";
}

const colourOf = (l: Lane): string =>
  l.network === "" ? MUTED : LANE_COLOURS[l.colour % LANE_COLOURS.length]!;

function text(
  x: number,
  y: number,
  s: string,
  attrs: {
    size?: number;
    weight?: string;
    fill?: string;
    mono?: boolean;
    cls?: string;
    anchor?: string;
  } = {},
): string {
  const a = [
    `x="${x}"`,
    `y="${y}"`,
    `font-family="${escapeXml(attrs.mono ? MONO : SANS)}"`,
    `font-size="${attrs.size ?? 12}"`,
    ...(attrs.weight ? [`font-weight="${attrs.weight}"`] : []),
    `fill="${attrs.fill ?? INK}"`,
    ...(attrs.anchor ? [`text-anchor="${attrs.anchor}"`] : []),
    ...(attrs.cls ? [`class="${attrs.cls}"`] : []),
  ];
  return `<text ${a.join(" ")}>${escapeXml(s)}</text>`;
}

export function renderSvg(t: Topology, options: SvgOptions = {}): string {
  const out: string[] = [];
  const push = (s: string): void => void out.push(s);
  const nodeCount = t.nodes.length;
  const netCount = t.lanes.filter((l) => l.network !== "").length;
  push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${t.width}" height="${t.height}" viewBox="0 0 ${t.width} ${t.height}" ` +
      `role="img" aria-labelledby="topology-title topology-desc" class="cairn-topology">`,
  );
  push(`<title id="topology-title">${escapeXml(t.title)}</title>`);
  push(
    `<desc id="topology-desc">${escapeXml(
      `${nodeCount} node(s) on ${netCount} network(s): ${t.subtitle}. ` +
        t.lanes
          .filter((l) => l.network !== "")
          .map((l) => `${l.title} ${l.details.join(", ")}`)
          .join("; "),
    )}</desc>`,
  );
  push(`<rect x="0" y="0" width="${t.width}" height="${t.height}" fill="#ffffff"/>`);
  push(text(24, 34, t.title, { size: 18, weight: "700" }));
  push(text(24, 54, t.subtitle, { size: 12, fill: MUTED }));

  // Lanes: a tinted band, a header, and the bus line everything on this network attaches to.
  for (const l of t.lanes) {
    const c = colourOf(l);
    push(
      `<g class="lane" data-lane="${escapeXml(l.network)}" id="lane-${slug(l.network)}">` +
        `<rect x="${l.x}" y="${l.y}" width="${l.width}" height="${l.height}" rx="6" fill="#f6f8fa" stroke="#d0d7de"/>` +
        text(l.x + 10, l.y + 20, l.title, { size: 13, weight: "700", fill: c }) +
        l.details
          .map((d, i) => text(l.x + 10, l.y + 38 + i * 15, d, { size: 11, fill: MUTED, mono: i === 0 }))
          .join("") +
        `<line x1="${l.busX}" y1="${l.y + 70}" x2="${l.busX}" y2="${l.y + l.height - 8}" stroke="${c}" stroke-width="4" stroke-linecap="round"/>` +
        `</g>`,
    );
  }

  // Placement groups with their nodes.
  for (const g of t.groups) {
    push(
      `<g class="group group-${g.kind}" data-group="${escapeXml(g.id)}">` +
        `<rect x="${g.x}" y="${g.y}" width="${g.width}" height="${g.height}" rx="8" fill="#ffffff" stroke="#8c959f" stroke-dasharray="5 3"/>` +
        text(g.x + 10, g.y + 18, g.label, { size: 12, weight: "600", fill: MUTED }) +
        `</g>`,
    );
  }

  // Connectors under the node boxes, so each box covers its own line ends.
  for (const p of t.ports) {
    const lane = t.lanes.find((l) => l.network === p.network)!;
    const c = colourOf(lane);
    push(
      `<g class="port" data-node="${escapeXml(p.node)}" data-lane="${escapeXml(p.network)}" data-address="${escapeXml(p.address)}">` +
        // Neutral connectors: one to a far lane runs over the nearer ones, and only the dots say where it attaches.
        `<line x1="${p.fromX}" y1="${p.y}" x2="${p.x}" y2="${p.y}" stroke="#6e7781" stroke-width="2"/>` +
        `<circle cx="${p.x}" cy="${p.y}" r="5" fill="${c}" stroke="#ffffff" stroke-width="1.5"/>` +
        text(p.x + 10, p.y - 6, p.label, { size: 12, mono: true }) +
        `</g>`,
    );
  }

  for (const n of t.nodes) {
    const cp = n.role === "controlplane";
    const [name, ...rest] = n.lines;
    push(
      `<g class="node node-${n.role}" data-node="${escapeXml(n.name)}" id="node-${slug(n.name)}">` +
        `<title>${escapeXml(n.lines.join("\n"))}</title>` +
        `<rect class="node-box" x="${n.x}" y="${n.y}" width="${n.width}" height="${n.height}" rx="6" ` +
        `fill="${cp ? "#ddf4ff" : "#ffffff"}" stroke="${cp ? "#0550ae" : "#57606a"}" stroke-width="1.5"/>` +
        text(n.x + 12, n.y + 18, name!, { size: 13, weight: "700" }) +
        rest.map((l, i) => text(n.x + 12, n.y + 34 + i * 16, l, { size: 12, fill: MUTED })).join("") +
        (options.live ? text(n.x + 12, n.statusY, "", { size: 12, weight: "600", cls: "node-status" }) : "") +
        `</g>`,
    );
  }

  for (const s of t.services) {
    const vip = s.kind === "vip";
    const stroke = vip ? "#6639ba" : "#116329";
    push(
      `<g class="service service-${s.kind}" data-service="${escapeXml(s.name)}" data-lane="${escapeXml(s.network)}">` +
        `<line x1="${s.portX}" y1="${s.portY}" x2="${s.x}" y2="${s.portY}" stroke="${stroke}" stroke-width="2"/>` +
        `<circle cx="${s.portX}" cy="${s.portY}" r="5" fill="${stroke}" stroke="#ffffff" stroke-width="1.5"/>` +
        `<rect x="${s.x}" y="${s.y}" width="${s.width}" height="${s.height}" rx="${vip ? 14 : 6}" ` +
        `fill="${vip ? "#fbefff" : "#dafbe1"}" stroke="${stroke}" stroke-width="1.5"/>` +
        s.lines
          .map((l, i) =>
            text(
              s.x + 10,
              s.y + 18 + i * 16,
              l,
              i === 0 ? { size: 12, weight: "700", fill: stroke } : { size: 12, mono: true },
            ),
          )
          .join("") +
        `</g>`,
    );
  }
  push(`</svg>`);
  return out.join("\n") + "\n";
}
