// A minimal ISO 9660 writer for NoCloud seed volumes: one flat root directory, with Rock Ridge (POSIX names and
// modes) and Joliet (UCS-2 names) like the `genisoimage -iso-level 3 -J -R -V cidata` PVE itself runs for its
// cloud-init drives. No npm package writes ISO 9660 (the registry has readers and wrappers around mkisofs), and
// needing genisoimage on the operator's machine would make a pure, deterministic builder an external process.
// Layout (2048-byte sectors): 0–15 system area, 16 primary descriptor, 17 Joliet descriptor, 18 terminator,
// 19–22 path tables, then the two root directories, then file data. Deterministic: no clock, fixed order.

const SECTOR = 2048;

interface IsoFile {
  /** POSIX name as readers should show it, e.g. "user-data". No '/', at most 64 characters. */
  name: string;
  data: Buffer;
}

export interface IsoOptions {
  /** Volume identifier (the filesystem label), e.g. "cidata"; at most 16 characters (Joliet's limit). */
  volumeId: string;
  files: readonly IsoFile[];
  /** Recorded in every timestamp; fixed by default so equal input gives equal bytes. */
  date?: Date;
}

const both16 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(n, 0);
  b.writeUInt16BE(n, 2);
  return b;
};
const both32 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(n, 0);
  b.writeUInt32BE(n, 4);
  return b;
};
const padded = (text: string, len: number, fill = " "): Buffer =>
  Buffer.from(text.padEnd(len, fill).slice(0, len), "latin1");
const ucs2 = (text: string): Buffer => {
  const le = Buffer.from(text, "utf16le");
  for (let i = 0; i < le.length; i += 2) {
    const t = le[i]!;
    le[i] = le[i + 1]!;
    le[i + 1] = t;
  }
  return le;
};
const ucs2Padded = (text: string, len: number): Buffer => {
  const b = Buffer.alloc(len);
  for (let i = 0; i + 1 < len; i += 2) b.writeUInt16BE(0x20, i);
  ucs2(text).copy(b, 0, 0, len - (len % 2));
  return b;
};

/** 7-byte directory record date (ECMA-119 9.1.5), GMT. */
function recordDate(d: Date): Buffer {
  return Buffer.from([
    d.getUTCFullYear() - 1900,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    0,
  ]);
}

/** 17-byte volume descriptor date (ECMA-119 8.4.26.1). */
function descriptorDate(d: Date | undefined): Buffer {
  if (!d) return Buffer.concat([Buffer.from("0".repeat(16), "latin1"), Buffer.from([0])]);
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  const text = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}00`;
  return Buffer.concat([Buffer.from(text, "latin1"), Buffer.from([0])]);
}

// ---- Rock Ridge (SUSP) entries -------------------------------------------------------------------------------

const sp = (): Buffer => Buffer.from([0x53, 0x50, 7, 1, 0xbe, 0xef, 0]);
function px(mode: number, links: number, serial: number): Buffer {
  return Buffer.concat([
    Buffer.from([0x50, 0x58, 44, 1]),
    both32(mode),
    both32(links),
    both32(0),
    both32(0),
    both32(serial),
  ]);
}
function nm(name: string): Buffer {
  const n = Buffer.from(name, "utf8");
  return Buffer.concat([Buffer.from([0x4e, 0x4d, 5 + n.length, 1, 0]), n]);
}
function er(): Buffer {
  const id = Buffer.from("RRIP_1991A", "latin1");
  const des = Buffer.from(
    "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS",
    "latin1",
  );
  return Buffer.concat([
    Buffer.from([0x45, 0x52, 8 + id.length + des.length, 1, id.length, des.length, 0, 1]),
    id,
    des,
  ]);
}

function dirRecord(
  identifier: Buffer,
  extent: number,
  size: number,
  isDir: boolean,
  date: Date,
  systemUse: Buffer = Buffer.alloc(0),
): Buffer {
  const idPad = identifier.length % 2 === 0 ? 1 : 0;
  let len = 33 + identifier.length + idPad + systemUse.length;
  const pad = len % 2;
  len += pad;
  if (len > 255)
    throw new Error(`ISO 9660: directory record for ${identifier.toString("latin1")} is too long`);
  const head = Buffer.alloc(33);
  head[0] = len;
  head[1] = 0;
  both32(extent).copy(head, 2);
  both32(size).copy(head, 10);
  recordDate(date).copy(head, 18);
  head[25] = isDir ? 0x02 : 0x00;
  both16(1).copy(head, 28);
  head[32] = identifier.length;
  return Buffer.concat([head, identifier, Buffer.alloc(idPad), systemUse, Buffer.alloc(pad)]);
}

/** Packs records into sectors: a record never crosses a sector boundary (ECMA-119 6.8.1.1). */
function packDirectory(records: Buffer[]): Buffer {
  const sectors: Buffer[] = [];
  let current: Buffer[] = [];
  let used = 0;
  for (const r of records) {
    if (used + r.length > SECTOR) {
      sectors.push(Buffer.concat([...current, Buffer.alloc(SECTOR - used)]));
      current = [];
      used = 0;
    }
    current.push(r);
    used += r.length;
  }
  sectors.push(Buffer.concat([...current, Buffer.alloc(SECTOR - used)]));
  return Buffer.concat(sectors);
}

/** ISO 9660 level-2 style identifier for the primary tree ("USER_DATA.;1"), unique within the directory. */
function primaryName(name: string, taken: Set<string>): string {
  let base = name
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, "_")
    .slice(0, 28);
  if (base === "") base = "_";
  let candidate = base;
  for (let i = 1; taken.has(candidate); i++) candidate = `${base.slice(0, 28 - String(i).length - 1)}_${i}`;
  taken.add(candidate);
  return `${candidate}.;1`;
}

function pathTable(rootExtent: number, bigEndian: boolean): Buffer {
  const b = Buffer.alloc(10);
  b[0] = 1;
  b[1] = 0;
  if (bigEndian) {
    b.writeUInt32BE(rootExtent, 2);
    b.writeUInt16BE(1, 6);
  } else {
    b.writeUInt32LE(rootExtent, 2);
    b.writeUInt16LE(1, 6);
  }
  b[8] = 0;
  return b;
}

function volumeDescriptor(
  type: 1 | 2,
  o: {
    volumeId: string;
    sectors: number;
    pathTableL: number;
    pathTableM: number;
    root: Buffer;
    date: Date;
  },
): Buffer {
  const b = Buffer.alloc(SECTOR);
  b[0] = type;
  b.write("CD001", 1, "latin1");
  b[6] = 1;
  const joliet = type === 2;
  const text = (s: string, len: number): Buffer => (joliet ? ucs2Padded(s, len) : padded(s, len));
  text("LINUX", 32).copy(b, 8);
  (joliet ? ucs2Padded(o.volumeId, 32) : padded(o.volumeId, 32)).copy(b, 40);
  both32(o.sectors).copy(b, 80);
  if (joliet) b.write("%/E", 88, "latin1"); // UCS-2 level 3
  both16(1).copy(b, 120);
  both16(1).copy(b, 124);
  both16(SECTOR).copy(b, 128);
  both32(10).copy(b, 132);
  b.writeUInt32LE(o.pathTableL, 140);
  b.writeUInt32BE(o.pathTableM, 148);
  o.root.copy(b, 156);
  text("", 128).copy(b, 190);
  text("", 128).copy(b, 318);
  text("", 128).copy(b, 446);
  text("CAIRN", 128).copy(b, 574);
  text("", 37).copy(b, 702);
  text("", 37).copy(b, 739);
  text("", 37).copy(b, 776);
  descriptorDate(o.date).copy(b, 813);
  descriptorDate(o.date).copy(b, 830);
  descriptorDate(undefined).copy(b, 847);
  descriptorDate(undefined).copy(b, 864);
  b[881] = 1;
  return b;
}

/** Builds the ISO image. Throws on names or labels that cannot be represented. */
export function buildIso(options: IsoOptions): Buffer {
  const date = options.date ?? new Date(Date.UTC(2000, 0, 1));
  if (options.volumeId.length === 0 || options.volumeId.length > 16)
    throw new Error(`ISO 9660: volume id "${options.volumeId}" must be 1–16 characters`);
  const names = new Set<string>();
  for (const f of options.files) {
    if (!/^[^/\0]{1,64}$/.test(f.name) || f.name === "." || f.name === "..")
      throw new Error(`ISO 9660: file name "${f.name}" is not a plain name of 1–64 characters`);
    if (names.has(f.name)) throw new Error(`ISO 9660: duplicate file name "${f.name}"`);
    names.add(f.name);
  }
  const files = [...options.files];
  // Both directories list files by identifier order; the primary identifiers are derived from the names.
  const taken = new Set<string>();
  const entries = files.map((f, i) => ({ file: f, primary: primaryName(f.name, taken), serial: i + 2 }));
  entries.sort((a, b) => (a.primary < b.primary ? -1 : a.primary > b.primary ? 1 : 0));
  const jolietOrder = [...entries].sort((a, b) =>
    a.file.name < b.file.name ? -1 : a.file.name > b.file.name ? 1 : 0,
  );

  const PATH_L = 19;
  const PATH_M = 20;
  const JPATH_L = 21;
  const JPATH_M = 22;
  const ROOT = 23;
  // Directory sizes do not depend on extents (fixed-width fields), so measure with placeholders first.
  const primaryRecords = (rootExtent: number, rootSize: number, extents: number[]): Buffer[] => [
    dirRecord(
      Buffer.from([0]),
      rootExtent,
      rootSize,
      true,
      date,
      Buffer.concat([sp(), px(0o40555, 2, 1), er()]),
    ),
    dirRecord(Buffer.from([1]), rootExtent, rootSize, true, date, px(0o40555, 2, 1)),
    ...entries.map((e, i) =>
      dirRecord(
        Buffer.from(e.primary, "latin1"),
        extents[i] ?? 0,
        e.file.data.length,
        false,
        date,
        Buffer.concat([px(0o100444, 1, e.serial), nm(e.file.name)]),
      ),
    ),
  ];
  const jolietRecords = (rootExtent: number, rootSize: number, extentOf: Map<IsoFile, number>): Buffer[] => [
    dirRecord(Buffer.from([0]), rootExtent, rootSize, true, date),
    dirRecord(Buffer.from([1]), rootExtent, rootSize, true, date),
    // Joliet names without the ";1" version suffix, as genisoimage and xorriso write them.
    ...jolietOrder.map((e) =>
      dirRecord(ucs2(e.file.name), extentOf.get(e.file) ?? 0, e.file.data.length, false, date),
    ),
  ];
  const primarySize = packDirectory(primaryRecords(0, 0, [])).length;
  const jolietSize = packDirectory(jolietRecords(0, 0, new Map())).length;
  const JROOT = ROOT + primarySize / SECTOR;
  let next = JROOT + jolietSize / SECTOR;
  const extentOf = new Map<IsoFile, number>();
  for (const e of entries) {
    extentOf.set(e.file, next);
    next += Math.max(1, Math.ceil(e.file.data.length / SECTOR));
  }
  const total = next;
  const primaryDir = packDirectory(
    primaryRecords(
      ROOT,
      primarySize,
      entries.map((e) => extentOf.get(e.file)!),
    ),
  );
  const jolietDir = packDirectory(jolietRecords(JROOT, jolietSize, extentOf));

  const out = Buffer.alloc(total * SECTOR);
  const at = (sector: number, data: Buffer): void => {
    data.copy(out, sector * SECTOR);
  };
  at(
    16,
    volumeDescriptor(1, {
      volumeId: options.volumeId,
      sectors: total,
      pathTableL: PATH_L,
      pathTableM: PATH_M,
      root: dirRecord(Buffer.from([0]), ROOT, primarySize, true, date),
      date,
    }),
  );
  at(
    17,
    volumeDescriptor(2, {
      volumeId: options.volumeId,
      sectors: total,
      pathTableL: JPATH_L,
      pathTableM: JPATH_M,
      root: dirRecord(Buffer.from([0]), JROOT, jolietSize, true, date),
      date,
    }),
  );
  const term = Buffer.alloc(SECTOR);
  term[0] = 255;
  term.write("CD001", 1, "latin1");
  term[6] = 1;
  at(18, term);
  at(PATH_L, pathTable(ROOT, false));
  at(PATH_M, pathTable(ROOT, true));
  at(JPATH_L, pathTable(JROOT, false));
  at(JPATH_M, pathTable(JROOT, true));
  at(ROOT, primaryDir);
  at(JROOT, jolietDir);
  for (const e of entries) at(extentOf.get(e.file)!, e.file.data);
  return out;
}
