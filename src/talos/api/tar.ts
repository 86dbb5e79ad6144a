// Reads the kubeconfig archive Talos streams: a .tar.gz whose tar is never closed, so it has no end-of-archive
// blocks and its last entry is not padded to 512 bytes (research/talos.md §2). A strict tar reader rejects it.
import { constants as zlib, gunzipSync } from "node:zlib";

export interface TarEntry {
  name: string;
  mode: number;
  data: Buffer;
}

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return (nul === -1 ? raw : raw.subarray(0, nul)).toString("utf8");
}

function octal(header: Buffer, start: number, length: number): number {
  const text = field(header, start, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/** Regular-file entries of a tar, tolerating a missing trailer and an unpadded (but complete) last entry. */
export function readTarLenient(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    if (!Number.isFinite(size) || size < 0) throw new Error(`corrupt tar header at byte ${offset}`);
    const prefix = field(header, 345, 155);
    const base = field(header, 0, 100);
    const name = prefix ? `${prefix}/${base}` : base;
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + 512;
    if (dataStart + size > tar.length) throw new Error(`tar entry ${name} is truncated`);
    if (type === "0" || type === "\0") {
      entries.push({
        name,
        mode: octal(header, 100, 8),
        data: Buffer.from(tar.subarray(dataStart, dataStart + size)),
      });
    }
    offset = dataStart + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** The bytes of the one file named `name` (or `./name`) inside a gzipped, possibly unterminated, tar. */
export function extractFromTarGz(archive: Buffer, name: string): Buffer | undefined {
  // finishFlush: a truncated gzip stream still yields what it holds.
  const tar = gunzipSync(archive, { finishFlush: zlib.Z_SYNC_FLUSH });
  return readTarLenient(tar).find((e) => e.name === name || e.name === `./${name}`)?.data;
}
