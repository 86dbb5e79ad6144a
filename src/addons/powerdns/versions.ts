// PowerDNS Authoritative, the project's official image (Docker Hub powerdns/pdns-auth-<major><minor>).
export const PDNS_IMAGE = "powerdns/pdns-auth-49:4.9.4";
