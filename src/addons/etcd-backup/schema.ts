// addons.etcdBackup: scheduled etcd snapshots to S3 from inside the cluster (siderolabs' talos-backup).
import { z } from "zod";

const etcdBackupSchema = z
  .strictObject({
    schedule: z.string().default("0 */6 * * *").meta({ description: "Cron schedule of the backup CronJob." }),
    s3: z.strictObject({
      endpoint: z.string(),
      bucket: z.string(),
      region: z.string().default("us-east-1"),
    }),
  })
  .meta({ description: "Scheduled etcd snapshots, age-encrypted, uploaded to S3." });

export const sections = { etcdBackup: etcdBackupSchema };
