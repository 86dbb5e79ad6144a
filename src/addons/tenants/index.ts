// Tenants: isolated namespaces with a quota, default limits, network isolation and OIDC access (`tenants:`).
import type { Addon } from "../types.js";
import { checkTenantObjects } from "./checks.js";
import { renderTenants } from "./render.js";
import { sections } from "./schema.js";
import { TENANT_PINS } from "./versions.js";

export const tenants: Addon = {
  name: "tenants",
  sections,
  enabled: (spec) => spec.tenants.length > 0,
  versions: () => [...TENANT_PINS],
  check: checkTenantObjects,
  render: renderTenants,
};
