// Randomness is injected so tests can pin serials, key identifiers and tokens; production uses the CSPRNG.
import { randomBytes } from "node:crypto";

export type RandomSource = (size: number) => Uint8Array;

export const cryptoRandom: RandomSource = (size) => randomBytes(size);
