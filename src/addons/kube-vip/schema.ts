// The spec sections of the kube-vip add-on. It implements controlPlane.vip with type kube-vip; it owns no addons section.
export const sections = {};
