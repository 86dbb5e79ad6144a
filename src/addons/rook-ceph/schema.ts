// The spec sections of the rook-ceph add-on. It implements addons.storage (type rook-ceph); it owns no section of its own.
export const sections = {};
