// addons.dns: an authoritative DNS server in the cluster. powerdns is rendered (PowerDNS Authoritative behind a
// LoadBalancer address, RFC 2136 updates for cert-manager's DNS-01); external-dns is validated only.
import { z } from "zod";
import { dnsLabel } from "../../fields.js";

const dnsSchema = z
  .strictObject({
    type: z.enum(["powerdns", "external-dns"]),
    address: z
      .string()
      .optional()
      .meta({ description: "The LoadBalancer address DNS is served on (from a load-balancer pool)." }),
    pool: z.string().optional().meta({ description: "Load-balancer pool the address comes from." }),
    zone: z.string().optional().meta({
      description:
        "powerdns: the zone it is authoritative for (delegated to it), e.g. test-cluster.example.com; created at start with ns1.<zone> on address.",
    }),
    apiKey: z
      .strictObject({ name: dnsLabel("secret name"), key: z.string().min(1) })
      .optional()
      .meta({
        description: "powerdns: Secret key (namespace powerdns) holding the HTTP API key; no API without.",
      }),
  })
  .meta({ description: "Authoritative DNS inside the cluster." });

export const sections = { dns: dnsSchema };
