// Field types shared by every section of cairn.yaml: the cluster spec's own and those of providers and add-ons
// (each declares its section in its own folder). Formats are checked by the semantic checks, so a message can be
// precise; here they only document what a field holds.
import { z } from "zod";

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const dnsLabel = (what: string) =>
  z.string().regex(DNS1123_LABEL, {
    message: `${what} must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters`,
  });

/** An IPv4 or IPv6 address; format is checked by the semantic checks so the message can be precise. */
export const address = z
  .string()
  .min(1)
  .meta({ description: "An IPv4 or IPv6 address, without a prefix length." });
export const cidr = z.string().min(1).meta({ description: "A network in CIDR notation, e.g. 10.8.16.0/24." });
