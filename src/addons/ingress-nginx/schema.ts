// The spec sections of the ingress-nginx add-on. It implements addons.ingress (type nginx); it owns no section of its own.
export const sections = {};
