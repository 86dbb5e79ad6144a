// Tenants install no chart or image: plain Kubernetes objects only, so nothing is pinned.
import type { PinnedVersion } from "../types.js";

export const TENANT_PINS: readonly PinnedVersion[] = [];
