// Scheduled etcd backups render (CronJob + Talos ServiceAccount + control-plane patch) and snapshot integrity checks.
// The reference schemas (../shared/reference/k8s-schemas/v1.32) have a Job schema but no CronJob schema: the
// CronJob's job template is validated as the Job it creates, and the CronJob's own fields are checked here.
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, test } from "vitest";
import { BACKUP_SECRET, renderEtcdBackup } from "../../src/addons/etcd-backup/render.js";
import { checkSnapshotBytes, checkSnapshotFile } from "../../src/ops/etcd-snapshot.js";
import { readShared } from "../helpers/shared.js";
import { model } from "./upgrade-helpers.js";

const BACKUP = [
  "addons:",
  "  etcdBackup:",
  '    schedule: "15 */4 * * *"',
  "    s3: { endpoint: https://s3.example.net, bucket: cluster-backups, region: eu-central-1 }",
].join("\n");

function schema(file: string): object {
  const s = JSON.parse(readShared(`reference/k8s-schemas/v1.32/${file}`)) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

describe("the etcd-backup add-on", () => {
  test("a CronJob whose job validates against the v1.32 Job schema; no credentials rendered", () => {
    const r = renderEtcdBackup(model(3, 1, "v1.12.11", BACKUP));
    const objects = r.objects.map((o) => o.object);
    expect(objects.map((o) => `${o.apiVersion}/${o.kind}`)).toEqual([
      "talos.dev/v1alpha1/ServiceAccount",
      "batch/v1/CronJob",
    ]);
    const cron = objects[1]! as unknown as {
      metadata: { namespace: string };
      spec: { schedule: string; concurrencyPolicy: string; jobTemplate: { metadata: object; spec: object } };
    };
    expect(cron.metadata.namespace).toBe("kube-system");
    expect(cron.spec.schedule).toBe("15 */4 * * *");
    expect(cron.spec.concurrencyPolicy).toBe("Forbid");
    expect(Object.keys(cron.spec).sort()).toEqual([
      "concurrencyPolicy",
      "failedJobsHistoryLimit",
      "jobTemplate",
      "schedule",
      "successfulJobsHistoryLimit",
    ]);

    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema("job-batch-v1.json"));
    const job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "talos-etcd-backup-manual",
        namespace: "kube-system",
        ...cron.spec.jobTemplate.metadata,
      },
      spec: cron.spec.jobTemplate.spec,
    };
    expect(validate(job), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // A broken template is caught by the same schema (the check is not vacuous).
    expect(validate({ ...job, spec: { ...job.spec, parallelism: "two" } })).toBe(false);

    const text = JSON.stringify(objects);
    expect(text).toContain('"value":"https://s3.example.net"');
    expect(text).toContain('"value":"cluster-backups"');
    expect(text).toContain(`"secretKeyRef":{"name":"${BACKUP_SECRET}","key":"secretAccessKey"}`);
    expect(text).not.toMatch(/-----BEGIN|PRIVATE KEY/);
    expect(r.talosPatches.map((p) => p.roles)).toEqual([["controlplane"]]);
    expect(r.talosPatches[0]!.patch).toEqual({
      machine: {
        features: {
          kubernetesTalosAPIAccess: {
            enabled: true,
            allowedRoles: ["os:etcd:backup"],
            allowedKubernetesNamespaces: ["kube-system"],
          },
        },
      },
    });
    expect(r.notes[0]).toMatch(/accessKeyId, secretAccessKey and ageRecipient/);
  });

  test("the ServiceAccount's ObjectMeta validates against the core ServiceAccount schema's metadata", () => {
    const r = renderEtcdBackup(model(1, 0, "v1.12.11", BACKUP));
    const ajv = new Ajv({ strict: false });
    const sa = schema("serviceaccount-v1.json") as { properties: { metadata: object } };
    expect(ajv.validate(sa.properties.metadata, r.objects[0]!.object.metadata)).toBe(true);
  });
});

describe("snapshot integrity", () => {
  const bolt = (size: number): Buffer => {
    const b = Buffer.alloc(size, 7);
    b.writeUInt32LE(0xed0cdaed, 16);
    return b;
  };
  test("bbolt magic and the SHA-256 trailer etcd appends", () => {
    const body = bolt(8192);
    const withHash = Buffer.concat([body, createHash("sha256").update(body).digest()]);
    expect(checkSnapshotBytes(withHash)).toEqual({ ok: true, hashTrailer: true });
    expect(checkSnapshotBytes(body)).toEqual({ ok: true, hashTrailer: false });
    const corrupt = Buffer.from(withHash);
    corrupt.writeUInt8(corrupt.readUInt8(5000) ^ 1, 5000);
    expect(checkSnapshotBytes(corrupt).problem).toMatch(/SHA-256 .* does not match/);
    expect(checkSnapshotBytes(Buffer.alloc(8192)).problem).toMatch(/bad magic/);
    expect(checkSnapshotBytes(Buffer.alloc(100)).problem).toMatch(/too small/);
  });
  test("checkSnapshotFile without etcdctl reports size and hash", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cairn-snapcheck-"));
    const f = join(dir, "db");
    const body = bolt(4096);
    writeFileSync(f, body);
    const r = await checkSnapshotFile(f, { etcdctl: false });
    expect(r).toEqual({
      ok: true,
      method: "builtin",
      size: 4096,
      sha256: createHash("sha256").update(body).digest("hex"),
    });
  });
});
