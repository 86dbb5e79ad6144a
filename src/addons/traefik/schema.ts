// The spec sections of the traefik add-on. It implements addons.ingress (type traefik); it owns no section of its own.
export const sections = {};
