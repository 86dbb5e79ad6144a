// Typed PKI helpers over @peculiar/x509 and node:crypto, producing certificates and keys the way Talos does.
export * from "./pem.js";
export * from "./keys.js";
export * from "./random.js";
export * from "./cert.js";
