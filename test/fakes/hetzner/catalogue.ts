// The fixed part of the simulated Hetzner project: locations, datacenters, server types, load balancer types and
// system images, with the fields the OpenAPI response schemas require. Numbers are plausible, not Hetzner's prices.

export type Obj = Record<string, unknown>;

const LOCATIONS = [
  {
    id: 1,
    name: "fsn1",
    description: "Falkenstein DC Park 1",
    country: "DE",
    city: "Falkenstein",
    latitude: 50.47612,
    longitude: 12.370071,
    network_zone: "eu-central",
  },
  {
    id: 2,
    name: "nbg1",
    description: "Nuremberg DC Park 1",
    country: "DE",
    city: "Nuremberg",
    latitude: 49.452102,
    longitude: 11.076665,
    network_zone: "eu-central",
  },
  {
    id: 3,
    name: "hel1",
    description: "Helsinki DC Park 1",
    country: "FI",
    city: "Helsinki",
    latitude: 60.169855,
    longitude: 24.938379,
    network_zone: "eu-central",
  },
  {
    id: 4,
    name: "ash",
    description: "Ashburn, VA",
    country: "US",
    city: "Ashburn, VA",
    latitude: 39.045821,
    longitude: -77.487073,
    network_zone: "us-east",
  },
  {
    id: 5,
    name: "hil",
    description: "Hillsboro, OR",
    country: "US",
    city: "Hillsboro, OR",
    latitude: 45.54222,
    longitude: -122.951924,
    network_zone: "us-west",
  },
  {
    id: 6,
    name: "sin",
    description: "Singapore",
    country: "SG",
    city: "Singapore",
    latitude: 1.283333,
    longitude: 103.833333,
    network_zone: "ap-southeast",
  },
];

export const locations: Obj[] = LOCATIONS;

const price = (hourly: number): Obj => ({ net: hourly.toFixed(4), gross: (hourly * 1.19).toFixed(4) });

function prices(hourly: number, locs: string[]): Obj[] {
  return locs.map((location) => ({
    location,
    price_hourly: price(hourly),
    price_monthly: price(hourly * 730),
    included_traffic: 21990232555520,
    price_per_tb_traffic: price(1),
  }));
}

const EU = ["fsn1", "nbg1", "hel1"];
const ALL = LOCATIONS.map((l) => l.name);

const TYPES: [number, string, number, number, number, "x86" | "arm", "shared" | "dedicated", string[]][] = [
  [104, "cx23", 2, 4, 40, "x86", "shared", EU],
  [105, "cx33", 4, 8, 80, "x86", "shared", EU],
  [106, "cx43", 8, 16, 160, "x86", "shared", EU],
  [108, "cpx22", 2, 4, 80, "x86", "shared", ALL],
  [109, "cpx32", 4, 8, 160, "x86", "shared", ALL],
  [110, "cpx42", 8, 16, 320, "x86", "shared", ALL],
  [45, "cax11", 2, 4, 40, "arm", "shared", EU],
  [93, "cax21", 4, 8, 80, "arm", "shared", EU],
  [96, "ccx13", 2, 8, 80, "x86", "dedicated", ALL],
];

export const serverTypes: Obj[] = TYPES.map(
  ([id, name, cores, memory, disk, architecture, cpu_type, locs]) => ({
    id,
    name,
    description: name.toUpperCase(),
    category:
      cpu_type === "dedicated"
        ? "dedicated_cpu"
        : architecture === "arm"
          ? "cost_optimized"
          : "regular_purpose",
    cores,
    memory,
    disk,
    deprecated: false,
    deprecation: null,
    prices: prices(cores * 0.004, locs),
    storage_type: "local",
    cpu_type,
    architecture,
    locations: locs.map((n) => ({ id: LOCATIONS.find((l) => l.name === n)!.id, name: n, deprecation: null })),
  }),
);

export const datacenters: Obj[] = LOCATIONS.map((l, i) => {
  const ids = serverTypes
    .filter((t) => (t.locations as { name: string }[]).some((x) => x.name === l.name))
    .map((t) => t.id as number);
  return {
    id: i + 1,
    name: `${l.name}-dc${i + 2}`,
    description: `${l.city} DC ${i + 2}`,
    location: l,
    server_types: { supported: ids, available: ids, available_for_migration: ids },
  };
});

export const loadBalancerTypes: Obj[] = [
  {
    id: 1,
    name: "lb11",
    description: "LB11",
    max_connections: 10000,
    max_services: 5,
    max_targets: 25,
    max_assigned_certificates: 10,
    deprecated: null,
    prices: prices(0.008, ALL),
  },
  {
    id: 2,
    name: "lb21",
    description: "LB21",
    max_connections: 20000,
    max_services: 15,
    max_targets: 75,
    max_assigned_certificates: 25,
    deprecated: null,
    prices: prices(0.02, ALL),
  },
];

function systemImage(
  id: number,
  name: string,
  flavor: string,
  version: string,
  architecture: "x86" | "arm",
): Obj {
  return {
    id,
    type: "system",
    status: "available",
    name,
    description: `${flavor} ${version}`,
    image_size: null,
    disk_size: 5,
    created: "2024-01-01T00:00:00+00:00",
    created_from: null,
    bound_to: null,
    os_flavor: flavor,
    os_version: version,
    rapid_deploy: true,
    protection: { delete: false },
    deprecated: null,
    deleted: null,
    labels: {},
    architecture,
  };
}

export const systemImages: Obj[] = [
  systemImage(114690387, "debian-12", "debian", "12", "x86"),
  systemImage(114690389, "debian-12", "debian", "12", "arm"),
  systemImage(161547269, "ubuntu-24.04", "ubuntu", "24.04", "x86"),
  systemImage(161547270, "ubuntu-24.04", "ubuntu", "24.04", "arm"),
];
