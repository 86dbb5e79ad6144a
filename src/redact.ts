// What counts as secret text, and how a message describes a value without repeating a secret. Errors about fields
// that hold keys, tokens or passwords name the field and what kind of value is there, never the value: the probe
// of issue 9 had a patch of the wrong type at machine.ca.key print the Talos CA key.

/** Field names whose values are secret material (case-insensitive); `certSANs` are addresses, not secrets. */
export function isSecretFieldName(name: string): boolean {
  const k = name.toLowerCase();
  if (k === "certsans" || k === "certsan" || k === "keyusage") return false;
  return (
    k === "key" ||
    k.endsWith("key") ||
    k.startsWith("key") ||
    k.includes("secret") ||
    k.includes("token") ||
    k.includes("password") ||
    k.includes("passphrase") ||
    k === "auth" ||
    k === "ca"
  );
}

/** True when any step of a dotted or JSON-pointer path is a secret field name ("machine.ca.key", "/cluster/token"). */
export function isSecretPath(path: string): boolean {
  return path.split(/[./[\]]+/).some((step) => step !== "" && isSecretFieldName(step));
}

/**
 * Text that may be key material whatever field it came from: PEM, or a long run of base64/hex/token characters
 * (Talos keys, tokens and encryption secrets are all of that form). Words, addresses, paths and versions are not.
 */
export function looksSecret(text: string): boolean {
  if (text.includes("-----BEGIN")) return true;
  if (text.length < 20 || !/^[A-Za-z0-9+/=_.-]+$/.test(text)) return false;
  // Paths and names: base64 has "/" but never with "-", "_" or "." (base64url has "-" and "_" but no "/").
  if (text.startsWith("/") || (text.includes("/") && /[-_.]/.test(text))) return false;
  return /[0-9]/.test(text) && /[A-Za-z]/.test(text) && !/^v?\d+(\.\d+)+/.test(text);
}

/**
 * A value as a message may show it: lists and mappings by kind, a string quoted only when it is short, does not
 * look secret and does not sit in a secret field (`secretField`), numbers and booleans as written.
 */
export function describeValue(value: unknown, secretField = false): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    if (secretField || looksSecret(value)) return `a string of ${value.length} characters (not shown)`;
    return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  }
  if (secretField) return `a ${typeof value}`;
  return `the ${typeof value} ${String(value)}`;
}

/** `text` with every occurrence of the given secrets (and of their base64 forms) replaced by <redacted>. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = new Set<string>();
  for (const s of secrets) {
    forms.add(s);
    forms.add(Buffer.from(s, "utf8").toString("base64"));
    // Base64 PEM (how Talos configs hold keys): the decoded PEM and its body lines may be quoted too.
    if (/^[A-Za-z0-9+/=]+$/.test(s) && s.length >= 20) {
      const decoded = Buffer.from(s, "base64").toString("utf8");
      if (decoded.includes("-----BEGIN")) {
        forms.add(decoded);
        for (const line of decoded.split("\n"))
          if (line.length >= 16 && !line.startsWith("-----")) forms.add(line);
      }
    }
  }
  // Longest first, so a secret is never left half-replaced by one of its own parts.
  for (const f of [...forms].filter((f) => f.length >= 6).sort((a, b) => b.length - a.length))
    out = out.split(f).join("<redacted>");
  return out;
}
