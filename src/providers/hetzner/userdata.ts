// Hetzner passes user_data to the server's metadata service as given and limits it to 32 KiB. A Talos machine config
// with docs and examples is larger than that; Talos ≥ 1.9 (cairn's oldest) base64-decodes hcloud user-data and then
// un-gzips it when it is gzip, so cairn always sends base64(gzip(config)) and checks the limit on that.
import { gunzipSync, gzipSync } from "node:zlib";
import { error, type FieldPath, type Finding } from "../../findings.js";

/** Hetzner's documented user_data limit, in bytes of the string sent. */
export const USER_DATA_LIMIT = 32_768;

export interface EncodedUserData {
  /** What goes into POST /servers `user_data`. */
  value: string;
  /** Its size in bytes (ASCII, so also its length). */
  bytes: number;
  /** The machine config's own size. */
  configBytes: number;
  fits: boolean;
}

/** base64(gzip(config)): deterministic (gzip header without a timestamp), standard alphabet, padded, one line. */
export function encodeUserData(config: string): EncodedUserData {
  const raw = Buffer.from(config, "utf8");
  const value = gzipSync(raw, { level: 9 }).toString("base64");
  return { value, bytes: value.length, configBytes: raw.length, fits: value.length <= USER_DATA_LIMIT };
}

/** What Talos does with it: base64-decode if it is base64, then gunzip if it is gzip. */
export function decodeUserData(value: string): string {
  let data = Buffer.from(value, "utf8");
  if (/^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0) data = Buffer.from(value, "base64");
  if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data);
  return data.toString("utf8");
}

/** The plan-time check: an error finding with both sizes when the encoded config is over the limit. */
export function checkUserDataSize(node: string, config: string, path: FieldPath): Finding[] {
  const e = encodeUserData(config);
  if (e.fits) return [];
  return [
    error(
      "hetzner.user-data-size",
      path,
      `the machine config of node ${node} is ${e.bytes.toLocaleString("en-US")} bytes as gzip+base64 user_data (${e.configBytes.toLocaleString("en-US")} bytes plain), over Hetzner's ${USER_DATA_LIMIT.toLocaleString("en-US")}-byte limit`,
      "move large inline manifests or files out of the machine config (e.g. cluster.extraManifests URLs) or shorten patches",
    ),
  ];
}
