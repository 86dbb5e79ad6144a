// Request bodies the way pve-http-server wants them: form-encoded (booleans 1/0), or multipart for uploads, always
// as a Buffer with Content-Length (it refuses chunked transfer encoding with 501).
import { randomBytes } from "node:crypto";
import { formValue } from "./lenient.js";

type ParamValue = string | number | boolean | undefined | null;
export type Params = Record<string, ParamValue>;

/** key=value&… with undefined/null dropped; keys sorted so requests (and logs, tests) are stable. */
export function encodeForm(params: Params = {}): string {
  const out = new URLSearchParams();
  for (const k of Object.keys(params).sort()) {
    const v = params[k];
    if (v === undefined || v === null) continue;
    out.append(k, formValue(v));
  }
  return out.toString();
}

export interface MultipartFile {
  field: string;
  filename: string;
  data: Buffer;
  contentType?: string;
}

/** A multipart/form-data body: text fields first, then the file, as PVE's upload handler streams it. */
export function encodeMultipart(
  fields: Params,
  file: MultipartFile,
  boundary = `----cairn${randomBytes(12).toString("hex")}`,
): { body: Buffer; contentType: string } {
  const parts: Buffer[] = [];
  for (const k of Object.keys(fields).sort()) {
    const v = fields[k];
    if (v === undefined || v === null) continue;
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${formValue(v)}\r\n`),
    );
  }
  const safeName = file.filename.replace(/["\r\n\\]/g, "_");
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${safeName}"\r\n` +
        `Content-Type: ${file.contentType ?? "application/octet-stream"}\r\n\r\n`,
    ),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
