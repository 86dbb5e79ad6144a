// The spec sections of the ceph-csi add-on. It implements addons.storage (type ceph-csi); it owns no section of its own.
export const sections = {};
