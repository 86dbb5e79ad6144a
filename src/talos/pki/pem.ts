// PEM text as Go's pem.EncodeToMemory writes it (64-column base64 lines, trailing newline), and the base64-of-PEM
// wrapping that secrets.yaml, talosconfig and kubeconfig files use for every certificate and key.
import { UserError } from "../../errors.js";

export interface PemBlock {
  label: string;
  der: Buffer;
}

export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}${lines.length ? "\n" : ""}-----END ${label}-----\n`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in the text, in order; text between blocks is ignored, as Go's pem.Decode does. */
export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const body = (m[2] ?? "").replace(/\s+/g, "");
    // PEM headers ("Proc-Type: ...") are not used by anything cairn reads; refuse them instead of misparsing.
    if (body.includes(":"))
      throw new UserError(`PEM block "${m[1]}" has headers, which cairn does not support`);
    blocks.push({ label: m[1] ?? "", der: Buffer.from(body, "base64") });
  }
  return blocks;
}

/** The first PEM block, optionally requiring one of the given labels. */
export function decodePem(text: string, labels?: readonly string[], what = "PEM data"): PemBlock {
  const block = decodePemBlocks(text)[0];
  if (!block) throw new UserError(`${what} is not PEM-encoded (no "-----BEGIN ...-----" block found)`);
  if (labels && !labels.includes(block.label))
    throw new UserError(
      `${what} is a "${block.label}" PEM block; expected ${labels.map((l) => `"${l}"`).join(" or ")}`,
    );
  return block;
}

/** base64 (standard alphabet, padded) of the PEM text, the encoding Talos and kubeconfig files use. */
export function pemToBase64(pem: string): string {
  return Buffer.from(pem, "utf8").toString("base64");
}

export function base64ToPem(b64: string, what = "value"): string {
  const trimmed = b64.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(trimmed))
    throw new UserError(`${what} is not base64-encoded PEM`, { hint: "expected base64 of a PEM block" });
  const text = Buffer.from(trimmed, "base64").toString("utf8");
  if (!text.includes("-----BEGIN ")) throw new UserError(`${what} does not decode to a PEM block`);
  return text;
}
