// Reading PVE's values: numbers and booleans as PVE sends them (strings, numbers, words), UPIDs in PVE's format
// (pve-common Tools.pm), and property strings compared as maps, the way PVE rewrites them on read-back.
import { describe, expect, test } from "vitest";
import { formValue, pveBool, pveInt, pveNumber, pveString } from "../../../src/providers/proxmox/lenient.js";
import {
  formatNetDevice,
  normaliseTags,
  parseDrive,
  parseNetDevice,
  parsePropertyString,
  parseSize,
} from "../../../src/providers/proxmox/propstring.js";
import { formatUpid, parseUpid, taskSucceeded } from "../../../src/providers/proxmox/upid.js";
import { encodeForm, encodeMultipart } from "../../../src/providers/proxmox/http.js";

describe("lenient values", () => {
  test.each([
    [100, 100],
    ["100", 100],
    [" 42 ", 42],
    ["7.0", 7],
    ["12abc", undefined],
    ["", undefined],
    [null, undefined],
    [1.5, undefined],
  ])("pveInt(%j) = %j", (input, want) => expect(pveInt(input)).toBe(want));

  test.each([
    [1, true],
    ["1", true],
    [true, true],
    ["on", true],
    ["yes", true],
    [0, false],
    ["0", false],
    ["false", false],
    ["off", false],
    ["2", undefined],
    [undefined, undefined],
  ])("pveBool(%j) = %j", (input, want) => expect(pveBool(input)).toBe(want));

  test("numbers and strings", () => {
    expect(pveNumber("0.25")).toBe(0.25);
    expect(pveNumber(3)).toBe(3);
    expect(pveNumber("1e3")).toBe(1000);
    expect(pveNumber("x")).toBeUndefined();
    expect(pveString(4)).toBe("4");
    expect(pveString(null)).toBeUndefined();
    expect(formValue(true)).toBe("1");
    expect(formValue(false)).toBe("0");
  });
});

describe("UPIDs", () => {
  test("PVE's format, including a 9-digit pstart and a token user", () => {
    const text = "UPID:pve-ms01-01:000A1B2C:123456789:6650F00D:qmcreate:105:cairn@pve!apply:";
    const u = parseUpid(text);
    expect(u).toEqual({
      text,
      node: "pve-ms01-01",
      pid: 0xa1b2c,
      pstart: 0x123456789,
      starttime: 0x6650f00d,
      type: "qmcreate",
      id: "105",
      user: "cairn@pve!apply",
    });
    expect(formatUpid({ ...u!, pstart: 0x1234 })).toBe(
      "UPID:pve-ms01-01:000A1B2C:00001234:6650F00D:qmcreate:105:cairn@pve!apply:",
    );
  });

  test("the trailing colon and the fields are required; an empty id is allowed", () => {
    expect(parseUpid("UPID:pve1:000A1B2C:01234567:6650F00D:imgdel::root@pam:")?.id).toBe("");
    expect(parseUpid("UPID:pve1:000A1B2C:01234567:6650F00D:qmcreate:105:root@pam")).toBeUndefined();
    expect(parseUpid("not a upid")).toBeUndefined();
  });

  test("exit statuses: OK and WARNINGS are success, anything else the error", () => {
    expect(taskSucceeded("OK")).toBe(true);
    expect(taskSucceeded("WARNINGS: 2")).toBe(true);
    expect(taskSucceeded("unable to create VM 105 - already exists")).toBe(false);
    expect(taskSucceeded(undefined)).toBe(false);
  });
});

describe("property strings", () => {
  test("a NIC compares equal however PVE spelled it", () => {
    const asSent = parseNetDevice("virtio,bridge=vmbr0,tag=16,macaddr=bc:24:11:aa:bb:cc");
    const readBack = parseNetDevice("virtio=BC:24:11:AA:BB:CC,bridge=vmbr0,tag=16");
    expect(readBack).toEqual(asSent);
    expect(formatNetDevice(asSent)).toBe("virtio=BC:24:11:AA:BB:CC,bridge=vmbr0,tag=16");
  });

  test("disks, sizes, duplicates", () => {
    expect(parseDrive("local-lvm:vm-101-disk-1,discard=on,size=32G")).toEqual({
      file: "local-lvm:vm-101-disk-1",
      discard: "on",
      size: "32G",
    });
    expect(parseSize("32G")).toBe(32 * 2 ** 30);
    expect(parseSize("528K")).toBe(528 * 1024);
    expect(parseSize("big")).toBeUndefined();
    expect(() => parsePropertyString("a=1,a=2")).toThrow(/duplicate/);
    expect(() => parsePropertyString("bare")).toThrow(/without key/);
  });

  test("tags are stored lower-cased, de-duplicated and sorted", () => {
    expect(normaliseTags("Talos;cairn-homelab,k8s talos")).toBe("cairn-homelab;k8s;talos");
    expect(normaliseTags(["b", "A"])).toBe("a;b");
  });
});

describe("request bodies", () => {
  test("forms drop undefined, spell booleans 1/0, sort keys", () => {
    expect(
      encodeForm({ vmid: 101, start: true, name: undefined, onboot: false, net0: "virtio,bridge=vmbr0" }),
    ).toBe("net0=virtio%2Cbridge%3Dvmbr0&onboot=0&start=1&vmid=101");
  });

  test("multipart carries the fields and the file with a length", () => {
    const { body, contentType } = encodeMultipart(
      { content: "iso" },
      { field: "filename", filename: "a.iso", data: Buffer.from("DATA") },
      "B",
    );
    expect(contentType).toBe("multipart/form-data; boundary=B");
    expect(body.toString()).toBe(
      '--B\r\nContent-Disposition: form-data; name="content"\r\n\r\niso\r\n--B\r\nContent-Disposition: form-data; name="filename"; filename="a.iso"\r\nContent-Type: application/octet-stream\r\n\r\nDATA\r\n--B--\r\n',
    );
  });
});
