// Reads the root directory of an ISO 9660 image the way Linux' isofs does for a cidata seed: Rock Ridge names when
// the primary tree has them, else Joliet, else the plain names lower-cased without ";1". The Proxmox fake uses it
// to find the planned address in an uploaded cidata ISO when the VM starts (as Talos would read it).

const SECTOR = 2048;

export interface IsoImage {
  volumeId: string;
  files: Map<string, Buffer>;
}

interface Record_ {
  extent: number;
  size: number;
  isDir: boolean;
  id: Buffer;
  systemUse: Buffer;
}

function records(iso: Buffer, extent: number, size: number): Record_[] {
  const out: Record_[] = [];
  const start = extent * SECTOR;
  for (let off = start; off < start + size;) {
    const len = iso[off] ?? 0;
    if (len === 0) {
      off = (Math.floor((off - start) / SECTOR) + 1) * SECTOR + start;
      continue;
    }
    const idLen = iso[off + 32]!;
    const id = iso.subarray(off + 33, off + 33 + idLen);
    const suStart = off + 33 + idLen + (idLen % 2 === 0 ? 1 : 0);
    out.push({
      extent: iso.readUInt32LE(off + 2),
      size: iso.readUInt32LE(off + 10),
      isDir: (iso[off + 25]! & 0x02) !== 0,
      id,
      systemUse: iso.subarray(suStart, off + len),
    });
    off += len;
  }
  return out;
}

function rockRidgeName(su: Buffer): string | undefined {
  let name = "";
  let found = false;
  for (let i = 0; i + 4 <= su.length;) {
    const sig = su.toString("latin1", i, i + 2);
    const len = su[i + 2]!;
    if (len < 4) break;
    if (sig === "NM") {
      found = true;
      name += su.toString("utf8", i + 5, i + len);
    }
    i += len;
  }
  return found ? name : undefined;
}

const ucs2be = (b: Buffer): string => {
  const le = Buffer.from(b);
  for (let i = 0; i + 1 < le.length; i += 2) {
    const t = le[i]!;
    le[i] = le[i + 1]!;
    le[i + 1] = t;
  }
  return le.toString("utf16le");
};

export function readIso(iso: Buffer): IsoImage {
  if (iso.length < 17 * SECTOR || iso.toString("latin1", 16 * SECTOR + 1, 16 * SECTOR + 6) !== "CD001")
    throw new Error("not an ISO 9660 image");
  const volumeId = iso.toString("latin1", 16 * SECTOR + 40, 16 * SECTOR + 72).trim();
  const pvdRoot = 16 * SECTOR + 156;
  const primary = records(iso, iso.readUInt32LE(pvdRoot + 2), iso.readUInt32LE(pvdRoot + 10));
  const files = new Map<string, Buffer>();
  const add = (name: string, r: Record_): void => {
    if (!r.isDir) files.set(name, iso.subarray(r.extent * SECTOR, r.extent * SECTOR + r.size));
  };
  const plain = primary.filter((r) => !(r.id.length === 1 && r.id[0]! <= 1));
  if (plain.some((r) => rockRidgeName(r.systemUse) !== undefined)) {
    for (const r of plain) add(rockRidgeName(r.systemUse) ?? r.id.toString("latin1"), r);
    return { volumeId, files };
  }
  // Joliet: a supplementary descriptor (type 2) with escape sequence %/@, %/C or %/E.
  for (let s = 17; s < 32 && (s + 1) * SECTOR <= iso.length; s++) {
    const d = s * SECTOR;
    if (iso[d] === 255) break;
    if (iso[d] === 2 && iso.toString("latin1", d + 88, d + 90) === "%/") {
      for (const r of records(iso, iso.readUInt32LE(d + 156 + 2), iso.readUInt32LE(d + 156 + 10)))
        if (!(r.id.length === 1 && r.id[0]! <= 1)) add(ucs2be(r.id).replace(/;1$/, ""), r);
      return { volumeId, files };
    }
  }
  for (const r of plain) add(r.id.toString("latin1").replace(/;1$/, "").replace(/\.$/, "").toLowerCase(), r);
  return { volumeId, files };
}
