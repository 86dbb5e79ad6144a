#!/usr/bin/env node
// A stand-in for `ssh root@HOST sh -s` against the simulated Hetzner Cloud (CAIRN_SSH=<this file>): the script on
// stdin runs in the SIMULATED rescue system of the server whose public IPv4 is HOST, through the fake's admin
// endpoint. Exit codes as ssh's: 255 when the host is not reachable (not booted into rescue yet), else the script's.
/* global fetch */
const target = process.argv.slice(2).find((a) => /^root@/.test(a));
if (!target) {
  process.stderr.write("fake-ssh: no root@HOST argument\n");
  process.exit(255);
}
const host = target.slice(5);
const base = (process.env.HCLOUD_ENDPOINT ?? "").replace(/\/v1\/?$/, "");
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const script = Buffer.concat(chunks).toString("utf8");
const state = await (await fetch(`${base}/_fake/state`)).json();
const server = state.servers.find((s) => s.public_net?.ipv4?.ip === host);
if (!server) {
  process.stderr.write(`fake-ssh (simulated): connect to host ${host} port 22: No route to host\n`);
  process.exit(255);
}
const res = await fetch(`${base}/_fake/servers/${server.id}/rescue-exec`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ script }),
});
if (res.status === 409) {
  process.stderr.write(`fake-ssh (simulated): ${(await res.json()).error}\n`);
  process.exit(255);
}
process.exit(res.ok ? 0 : 1);
