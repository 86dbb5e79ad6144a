// The spec sections of the metallb add-on. It implements addons.loadBalancer (type metallb); it owns no section of its own.
export const sections = {};
