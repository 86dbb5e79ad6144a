// `provider: {type: static}`: machines already booted into Talos maintenance mode, and where each answers.
import { z } from "zod";
import { address } from "../../fields.js";

export const staticSection = z.strictObject({ type: z.literal("static") });

export const staticPlacement = z
  .strictObject({
    address: address.meta({
      description: "Where the machine, booted into Talos maintenance mode, answers on port 50000.",
    }),
  })
  .meta({ description: "A machine already booted into Talos maintenance mode." });

export type StaticPlacement = z.output<typeof staticPlacement>;
