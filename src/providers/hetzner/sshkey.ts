// A throwaway Ed25519 key for the rescue system of `cairn image hetzner`, made with node:crypto and written in
// OpenSSH's own formats (the "ssh-ed25519 …" public line, the "openssh-key-v1" private file), so the image build
// needs no ssh-keygen. Format facts: OpenSSH PROTOCOL.key and RFC 8709.
import { generateKeyPairSync, randomBytes } from "node:crypto";

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const sshString = (b: Buffer | string): Buffer => {
  const buf = typeof b === "string" ? Buffer.from(b) : b;
  return Buffer.concat([u32(buf.length), buf]);
};

export interface SshKeyPair {
  /** "ssh-ed25519 AAAA… comment" */
  publicKey: string;
  /** -----BEGIN OPENSSH PRIVATE KEY----- … (unencrypted; write it 0600) */
  privateKey: string;
}

export function ed25519KeyPair(comment = "cairn-image"): SshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  // SPKI DER of Ed25519 ends in the 32-byte key; PKCS#8 DER ends in the 32-byte seed.
  const pub = publicKey.export({ type: "spki", format: "der" }).subarray(-32);
  const seed = privateKey.export({ type: "pkcs8", format: "der" }).subarray(-32);
  const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub)]);
  const check = randomBytes(4);
  let priv = Buffer.concat([
    check,
    check,
    sshString("ssh-ed25519"),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  const pad: number[] = [];
  for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i);
  priv = Buffer.concat([priv, Buffer.from(pad)]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    u32(1),
    sshString(blob),
    sshString(priv),
  ]);
  const b64 = body.toString("base64").replace(/.{70}/g, "$&\n");
  return {
    publicKey: `ssh-ed25519 ${blob.toString("base64")} ${comment}`,
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}${b64.endsWith("\n") ? "" : "\n"}-----END OPENSSH PRIVATE KEY-----\n`,
  };
}
