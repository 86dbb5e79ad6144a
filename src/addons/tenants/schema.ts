// Tenants are a top-level list of cairn.yaml (`tenants:`, src/clusterspec/schema.ts), not a section under
// `addons:`; their OIDC sign-in is kubernetes.oidc. The add-on owns no `addons:` section.
export const sections = {};
