// PowerDNS Authoritative on a LoadBalancer address (addons.dns, type powerdns).
import type { Addon } from "../types.js";
import { checkPowerdns } from "./checks.js";
import { renderPowerdns } from "./render.js";
import { sections } from "./schema.js";
import { PDNS_IMAGE } from "./versions.js";

export const powerdns: Addon = {
  name: "powerdns",
  sections,
  enabled: (spec) => spec.addons.dns?.type === "powerdns",
  versions: () => [{ component: "pdns-auth image", version: PDNS_IMAGE.split(":")[1]!, source: PDNS_IMAGE }],
  check: checkPowerdns,
  render: renderPowerdns,
};
