// The spec sections of the gateway-api add-on. It implements addons.ingress (type gateway-api) and addons.cni.gatewayAPI; it owns no section of its own.
export const sections = {};
