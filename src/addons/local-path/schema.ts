// The spec sections of the local-path add-on. It implements addons.storage (type local-path); it owns no section of its own.
export const sections = {};
