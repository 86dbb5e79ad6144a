// Per-method roles as Talos machined enforces them (internal/app/machined/pkg/system/services/machined.go `rules`,
// research/talos.md §4/§5). "reader" there means admin, operator or reader.
export type Role = "os:admin" | "os:operator" | "os:reader" | "os:etcd:backup" | "os:impersonator";

export const ALL_ROLES: readonly Role[] = [
  "os:admin",
  "os:operator",
  "os:reader",
  "os:etcd:backup",
  "os:impersonator",
];

const ADMIN: readonly Role[] = ["os:admin"];
const OPERATOR: readonly Role[] = ["os:admin", "os:operator"];
const READER: readonly Role[] = ["os:admin", "os:operator", "os:reader"];

const MS = "/machine.MachineService/";

const RULES: Record<string, readonly Role[]> = {
  [`${MS}ApplyConfiguration`]: ADMIN,
  [`${MS}Bootstrap`]: ADMIN,
  [`${MS}Dmesg`]: READER,
  [`${MS}Events`]: READER,
  [`${MS}EtcdMemberList`]: [...READER, "os:etcd:backup"],
  [`${MS}EtcdRemoveMemberByID`]: ADMIN,
  [`${MS}EtcdLeaveCluster`]: ADMIN,
  [`${MS}EtcdForfeitLeadership`]: ADMIN,
  [`${MS}EtcdRecover`]: ADMIN,
  [`${MS}EtcdSnapshot`]: [...OPERATOR, "os:etcd:backup"],
  [`${MS}EtcdStatus`]: READER,
  [`${MS}Kubeconfig`]: ADMIN,
  [`${MS}Logs`]: READER,
  [`${MS}Read`]: ADMIN,
  [`${MS}Reboot`]: OPERATOR,
  [`${MS}Reset`]: ADMIN,
  [`${MS}ServiceList`]: READER,
  [`${MS}Shutdown`]: OPERATOR,
  [`${MS}Upgrade`]: ADMIN,
  [`${MS}Version`]: READER,
  "/machine.LifecycleService/Upgrade": ADMIN,
  "/machine.ImageService/Pull": OPERATOR,
  "/cluster.ClusterService/HealthCheck": READER,
  "/cosi.resource.State/Get": READER,
  "/cosi.resource.State/List": READER,
  "/cosi.resource.State/Watch": READER,
  "/cosi.resource.State/Create": ADMIN,
  "/cosi.resource.State/Update": ADMIN,
  "/cosi.resource.State/Destroy": ADMIN,
};

/** Roles allowed to call a method; unknown methods need admin (Talos' default rule). */
function allowedRoles(path: string): readonly Role[] {
  return RULES[path] ?? ADMIN;
}

export function isAllowed(path: string, roles: ReadonlySet<string>): boolean {
  return allowedRoles(path).some((r) => roles.has(r));
}

/** Subject O values that are Talos roles (unknown strings are ignored, as authz.Injector does). */
export function parseRoles(organizations: readonly string[]): Set<Role> {
  return new Set(organizations.filter((o): o is Role => (ALL_ROLES as readonly string[]).includes(o)));
}
