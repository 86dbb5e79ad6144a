// PVE is written in Perl: numbers and booleans often come back as strings ("100", "1"), sometimes as JSON numbers
// or booleans, depending on the endpoint and version. Every value cairn reads from PVE goes through these.

/** An integer from 100, "100" or "100.0"; undefined for anything else (including "", null, "12abc"). */
export function pveInt(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  if (typeof value === "string" && /^\s*[-+]?\d+(\.0+)?\s*$/.test(value)) return Number.parseInt(value, 10);
  return undefined;
}

/** A number from 0.25 or "0.25". */
export function pveNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(value))
    return Number.parseFloat(value);
  return undefined;
}

/** A boolean from 1/0, "1"/"0", true/false and the words PVE's parse_boolean accepts (on/off, yes/no). */
export function pveBool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value === "string") {
    if (/^(1|on|yes|true)$/i.test(value.trim())) return true;
    if (/^(0|off|no|false)$/i.test(value.trim())) return false;
  }
  return undefined;
}

/** A string, or undefined for null/undefined; numbers are stringified (PVE may send either). */
export function pveString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** The value as a form field: booleans as 1/0 (the only boolean spelling PVE's schema checker accepts). */
export function formValue(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "1" : "0";
  return String(value);
}
