// Certificates and keys in a machine config must be base64-encoded PEM. The schema only says "string", and Talos'
// loader only base64-decodes them (siderolabs/crypto x509.PEMEncoded*), so a patch that sets `machine.ca.key: 5`
// or `true` passes both and breaks the node later. cairn refuses such a config when it renders it; the messages
// say what is wrong with the value without showing it (it sits in a key field).
import type { Contract } from "../versions.js";
import { GO_STRUCTS } from "./go-types.generated.js";
import { shapeOf, structForDocument, type ConfigDocument } from "./encode.js";
import type { TalosValidationError } from "./validate.js";

const PEM_STRUCTS = new Set([
  "x509.PEMEncodedCertificateAndKey",
  "x509.PEMEncodedCertificate",
  "x509.PEMEncodedKey",
]);

function pemProblem(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string")
    return `must be base64-encoded PEM, not ${typeof value === "object" ? "a collection" : `a ${typeof value}`}`;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
    return `must be base64-encoded PEM; this ${value.length}-character string is not base64`;
  if (!Buffer.from(value, "base64").toString("latin1").includes("-----BEGIN "))
    return "must be base64-encoded PEM; this base64 text does not decode to a PEM block";
  return undefined;
}

/** Problems with the certificate and key fields of each document (by Go type), as validation errors. */
export function pemFieldProblems(docs: readonly unknown[], contract: Contract): TalosValidationError[] {
  const out: TalosValidationError[] = [];
  docs.forEach((doc, index) => {
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return;
    const struct = structForDocument(doc as ConfigDocument, contract);
    if (!struct) return;
    const kind =
      typeof (doc as ConfigDocument).kind === "string" ? String((doc as ConfigDocument).kind) : "v1alpha1";
    const walk = (value: unknown, type: string, path: string): void => {
      if (value === null || value === undefined) return;
      const shape = shapeOf(type);
      if (shape.k === "ptr") return walk(value, shape.elem, path);
      if (shape.k === "slice") {
        if (Array.isArray(value)) value.forEach((v, i) => walk(v, shape.elem, `${path}/${i}`));
        return;
      }
      if (shape.k === "map") {
        if (typeof value === "object" && !Array.isArray(value))
          for (const [k, v] of Object.entries(value)) walk(v, shape.elem, `${path}/${k}`);
        return;
      }
      if (typeof value !== "object" || Array.isArray(value)) return;
      const obj = value as Record<string, unknown>;
      // By name: PEMEncodedCertificate has no struct facts of its own (only `crt`).
      if (PEM_STRUCTS.has(type)) {
        for (const field of ["crt", "key"])
          if (Object.hasOwn(obj, field)) {
            const message = pemProblem(obj[field]);
            if (message) out.push({ document: index, kind, path: `${path}/${field}`, message });
          }
        return;
      }
      if (shape.k !== "struct") return;
      for (const [field, fieldType, flags] of GO_STRUCTS[shape.name] ?? []) {
        if (flags.includes("i")) walk(obj, fieldType, path);
        else if (Object.hasOwn(obj, field)) walk(obj[field], fieldType, `${path}/${field}`);
      }
    };
    walk(doc, struct, "");
  });
  return out;
}
