// Request validation from the PVE API schema in ../shared/reference/proxmox (the api-viewer's apidata), with the
// semantics of pve-common's JSONSchema.pm: the same checks in the same order and the same messages, so an unknown
// parameter, a bad type or a malformed property string gets the 400 "Parameter verification failed." a real node
// gives. Named formats are checked for the ones cairn's calls use; others are accepted and counted (unchecked).
import { readFileSync } from "node:fs";

export interface PveParam {
  type?: string;
  optional?: number | boolean;
  default?: unknown;
  enum?: string[];
  pattern?: string;
  format?: string | Record<string, PveParam>;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  default_key?: number | boolean;
  alias?: string;
  keyAlias?: string;
  requires?: string;
  description?: string;
}

export interface PveMethodInfo {
  name: string;
  method: string;
  parameters?: { additionalProperties?: number | boolean; properties?: Record<string, PveParam> };
  returns?: unknown;
}

interface Endpoint {
  template: string;
  re: RegExp;
  names: string[];
  info: Record<string, PveMethodInfo>;
}

export interface Match {
  template: string;
  info: PveMethodInfo;
  pathParams: Record<string, string>;
}

export class PveSchema {
  private readonly endpoints: Endpoint[] = [];
  /** Named formats met in requests that this validator does not check. */
  readonly unchecked = new Set<string>();

  constructor(file: string) {
    const tree = JSON.parse(readFileSync(file, "utf8")) as {
      path: string;
      info?: Record<string, PveMethodInfo>;
      children?: unknown[];
    }[];
    const walk = (nodes: typeof tree): void => {
      for (const n of nodes) {
        if (n.info) {
          const names: string[] = [];
          const re = new RegExp(
            `^${n.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_m, name: string) => {
              names.push(name);
              return "([^/]+)";
            })}$`,
          );
          this.endpoints.push({ template: n.path, re, names, info: n.info });
        }
        if (n.children) walk(n.children as typeof tree);
      }
    };
    walk(tree);
    // Literal paths before templated ones (/nodes/{node}/qemu vs /nodes/{node}/{x}).
    this.endpoints.sort((a, b) => a.names.length - b.names.length);
  }

  match(method: string, path: string): Match | undefined {
    for (const e of this.endpoints) {
      const m = e.re.exec(path);
      if (!m) continue;
      const info = e.info[method];
      if (!info) continue;
      const pathParams: Record<string, string> = {};
      e.names.forEach((n, i) => (pathParams[n] = decodeURIComponent(m[i + 1]!)));
      return { template: e.template, info, pathParams };
    }
    return undefined;
  }

  /** Validates all parameters (path + query/body) of a call; returns the errors map (empty when valid). */
  validate(info: PveMethodInfo, params: Record<string, string>): Record<string, string> {
    const errors: Record<string, string> = {};
    const props = info.parameters?.properties ?? {};
    const additional = info.parameters?.additionalProperties;
    const schemaFor = (key: string): PveParam | undefined => {
      if (props[key]) return props[key];
      const m = /^(.*?)(\d+)$/.exec(key);
      return m ? props[`${m[1]}[n]`] : undefined;
    };
    for (const [key, schema] of Object.entries(props)) {
      if (key.endsWith("[n]")) continue;
      if (params[key] === undefined) {
        if (!schema.optional && !schema.alias) errors[key] = "property is missing and it is not optional";
        continue;
      }
    }
    for (const [key, value] of Object.entries(params)) {
      const schema = schemaFor(key);
      if (!schema) {
        if (!additional)
          errors[key] =
            "property is not defined in schema and the schema does not allow additional properties";
        continue;
      }
      const msg = this.checkValue(schema, value);
      if (msg) errors[key] = msg;
    }
    return errors;
  }

  /** check_prop for a scalar from a form/query: type, format, pattern, length, range, enum — first failure wins. */
  checkValue(schema: PveParam, value: string): string | undefined {
    const type = schema.type ?? "string";
    if (type === "boolean" && value !== "1" && value !== "0")
      return `type check ('boolean') failed - got '${value}'`;
    if (type === "integer" && !/^-?\d+$/.test(value)) return `type check ('integer') failed - got '${value}'`;
    if (type === "number" && !/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value))
      return `type check ('number') failed - got '${value}'`;
    if (schema.format !== undefined) {
      const problem = this.checkFormat(schema.format, value);
      if (problem) return `invalid format - ${problem}`;
    }
    if (schema.pattern !== undefined && !new RegExp(`^(?:${schema.pattern})$`).test(value))
      return "value does not match the regex pattern";
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      return `value may only be ${schema.maxLength} characters long`;
    if (schema.minLength !== undefined && value.length < schema.minLength)
      return `value must be at least ${schema.minLength} characters long`;
    if (/^-?(\d+(\.\d*)?|\.\d+)$/.test(value)) {
      if (schema.maximum !== undefined && Number(value) > schema.maximum)
        return `value must have a maximum value of ${schema.maximum}`;
      if (schema.minimum !== undefined && Number(value) < schema.minimum)
        return `value must have a minimum value of ${schema.minimum}`;
    }
    if (schema.enum && !schema.enum.includes(value))
      return `value '${value}' does not have a value in the enumeration '${schema.enum.join(", ")}'`;
    return undefined;
  }

  /** parse_property_string: split, map default key and aliases, refuse unknown keys, then check every key. */
  parsePropertyString(
    format: Record<string, PveParam>,
    text: string,
  ): { map: Record<string, string>; problem?: string } {
    const map: Record<string, string> = {};
    let defaultKey: string | undefined;
    for (const part of text.split(",")) {
      if (/^\s*$/.test(part)) continue;
      const kv = /^([^=]+)=(.+)$/.exec(part);
      if (kv) {
        let k = kv[1]!;
        let v = kv[2]!;
        if (map[k] !== undefined)
          return { map, problem: `duplicate key in comma-separated list property: ${k}` };
        let schema = format[k];
        if (schema?.alias) {
          if (schema.keyAlias) {
            if (map[schema.keyAlias] !== undefined)
              return { map, problem: `key alias '${schema.keyAlias}' is already defined` };
            map[schema.keyAlias] = k;
          }
          k = schema.alias;
          schema = format[k];
          if (map[k] !== undefined) return { map, problem: `key '${k}' is already defined (via alias)` };
        }
        if (!schema) return { map, problem: `invalid key in comma-separated list property: ${k}` };
        if (schema.type === "boolean") v = parseBoolean(v) ?? v;
        map[k] = v;
      } else if (!part.includes("=")) {
        if (defaultKey)
          return { map, problem: `duplicate key in comma-separated list property: ${defaultKey}` };
        const key = Object.keys(format).find((k) => format[k]!.default_key);
        if (!key) return { map, problem: "value without key, but schema does not define a default key" };
        defaultKey = key;
        if (map[key] !== undefined)
          return { map, problem: `duplicate key in comma-separated list property: ${key}` };
        map[key] = format[key]!.type === "boolean" ? (parseBoolean(part) ?? part) : part;
      } else return { map, problem: "missing key in comma-separated list property" };
    }
    const errs: string[] = [];
    for (const [k, schema] of Object.entries(format)) {
      if (schema.alias) continue;
      if (map[k] === undefined) {
        if (!schema.optional) errs.push(`${k}: property is missing and it is not optional`);
        continue;
      }
      const msg = this.checkValue(schema, map[k]!);
      if (msg) errs.push(`${k}: ${msg}`);
    }
    return errs.length ? { map, problem: `format error\n${errs.join("\n")}` } : { map };
  }

  private checkFormat(format: string | Record<string, PveParam>, value: string): string | undefined {
    if (typeof format === "object") return this.parsePropertyString(format, value).problem;
    const m = /^(.*?)(?:-(list|opt))?$/.exec(format)!;
    const name = NAMED[format] ? format : m[1]!;
    const kind = NAMED[format] ? "none" : (m[2] ?? "none");
    const check = NAMED[name];
    if (!check) {
      this.unchecked.add(format);
      return undefined;
    }
    if (kind === "opt" && value === "") return undefined;
    const items = kind === "list" ? value.split(/[;,\s]+/).filter((x) => x !== "") : [value];
    for (const item of items) {
      const problem = check(item, this);
      if (problem) return problem;
    }
    return undefined;
  }
}

function parseBoolean(v: string): string | undefined {
  if (/^(1|on|yes|true)$/i.test(v)) return "1";
  if (/^(0|off|no|false)$/i.test(v)) return "0";
  return undefined;
}

const VOLUME_ID = /^(?:([a-z][a-z0-9\-_.]*[a-z0-9]):)(.+)$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]+(:\d+\.\d+\.\d+\.\d+)?$/;
const isIp = (v: string): boolean => IPV4.test(v) || (v.includes(":") && IPV6.test(v));
const cidrOk = (v: string, family?: 4 | 6): boolean => {
  const [ip, len, extra] = v.split("/");
  if (extra !== undefined || !ip || !len || !/^\d+$/.test(len)) return false;
  if (IPV4.test(ip) && family !== 6) return Number(len) <= 32;
  if (ip.includes(":") && IPV6.test(ip) && family !== 4) return Number(len) <= 128;
  return false;
};
const DNS_NAME =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)\.)*(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)$/;

// The formats registered in PVE's Perl code whose checks cairn's requests exercise (messages as PVE words them).
const NAMED: Record<string, (v: string, s: PveSchema) => string | undefined> = {
  "pve-node": (v) =>
    /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(v)
      ? undefined
      : `value does not look like a valid node name\n`,
  "pve-vmid": (v) => (/^\d+$/.test(v) ? undefined : `value does not look like a valid VM ID\n`),
  "pve-storage-id": (v) =>
    /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(v) ? undefined : `storage ID '${v}' contains illegal characters\n`,
  "pve-bridge-id": (v) => (/^[-_.\w\d]+$/.test(v) ? undefined : `invalid format for bridge id '${v}'\n`),
  "pve-tag": (v) => (/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v) ? undefined : `invalid tag '${v}'\n`),
  "dns-name": (v) => (DNS_NAME.test(v) ? undefined : `value does not look like a valid DNS name\n`),
  "mac-addr": (v) =>
    /^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v)
      ? undefined
      : `value does not look like a valid unicast MAC address\n`,
  "pve-volume-id": (v) => (VOLUME_ID.test(v) ? undefined : `unable to parse volume ID '${v}'\n`),
  "pve-volume-id-or-qm-path": (v) =>
    v === "none" || v === "cdrom" || v.startsWith("/") || VOLUME_ID.test(v)
      ? undefined
      : `unable to parse volume ID '${v}'\n`,
  "pve-volume-id-or-absolute-path": (v) =>
    v.startsWith("/") || VOLUME_ID.test(v) ? undefined : `unable to parse volume ID '${v}'\n`,
  // pve-common's pve_verify_configid.
  "pve-configid": (v) => (/^[a-z][a-z0-9_-]+$/i.test(v) ? undefined : `invalid configuration ID '${v}'\n`),
  "pve-ha-resource-or-vm-id": (v) =>
    /^((vm|ct):)?\d+$/.test(v) ? undefined : `unable to parse HA resource id '${v}'\n`,
  ip: (v) => (isIp(v) ? undefined : `value '${v}' does not look like a valid IP address\n`),
  ipv4: (v) => (IPV4.test(v) ? undefined : `value '${v}' does not look like a valid IPv4 address\n`),
  ipv6: (v) =>
    v.includes(":") && IPV6.test(v) ? undefined : `value '${v}' does not look like a valid IPv6 address\n`,
  CIDR: (v) => (cidrOk(v) ? undefined : `value '${v}' does not look like a valid CIDR network\n`),
  CIDRv4: (v) => (cidrOk(v, 4) ? undefined : `value '${v}' does not look like a valid IPv4 CIDR network\n`),
  "pve-qm-ipconfig": (v, s) =>
    s.parsePropertyString(
      {
        ip: { type: "string", optional: 1 },
        gw: { type: "string", optional: 1, format: "ipv4" },
        ip6: { type: "string", optional: 1 },
        gw6: { type: "string", optional: 1, format: "ipv6" },
      },
      v,
    ).problem,
  "pve-qm-boot": (v, s) =>
    s.parsePropertyString(
      {
        legacy: { type: "string", optional: 1, default_key: 1, pattern: "[acdn]{1,4}" },
        order: { type: "string", optional: 1 },
      },
      v,
    ).problem,
  "pve-vm-cpu-conf": (v, s) =>
    s.parsePropertyString(
      {
        cputype: { type: "string", optional: 1, default_key: 1 },
        flags: { type: "string", optional: 1 },
        hidden: { type: "boolean", optional: 1 },
        "hv-vendor-id": { type: "string", optional: 1 },
        "phys-bits": { type: "string", optional: 1 },
        "reported-model": { type: "string", optional: 1 },
      },
      v,
    ).problem,
  "pve-ha-group-node": (v) =>
    /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(:\d+)?$/.test(v) ? undefined : `invalid node '${v}'\n`,
  "pve-ha-node": (v) =>
    /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(:\d+)?$/.test(v) ? undefined : `invalid node '${v}'\n`,
  "pve-storage-content": (v) =>
    ["images", "rootdir", "vztmpl", "backup", "iso", "snippets", "import", "none"].includes(v)
      ? undefined
      : `invalid content type '${v}'\n`,
  "pve-priv": () => undefined,
  urlencoded: () => undefined,
  "pve-startup-order": () => undefined,
};
