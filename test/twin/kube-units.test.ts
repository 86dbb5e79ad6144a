// Pure pieces of the twin's simulated API checked against the specifications they implement: RFC 6902 and RFC 7386
// examples, strategic merge by patchMergeKey, label selector syntax, PodDisruptionBudget arithmetic, and the
// schema validation of the reference Kubernetes schemas (schema/k8s must equal ../shared/reference/k8s-schemas).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  PatchError,
} from "../../src/twin/kube/patch.js";
import { matches, parseLabelSelector } from "../../src/twin/kube/selectors.js";
import { budgetStatus } from "../../src/twin/kube/disruption.js";
import { BUILTIN_TYPES } from "../../src/twin/kube/resources.js";
import { SCHEMA_DIR, validateObject } from "../../src/twin/kube/validation.js";
import { humanDuration } from "../../src/twin/kube/tables.js";
import { deploymentStatus, daemonSetStatus } from "../../src/kube/rollout.js";
import { SHARED } from "../helpers/shared.js";

describe("schema/k8s", () => {
  const reference = join(SHARED, "reference/k8s-schemas/v1.32");
  test("every reference schema is shipped byte for byte", () => {
    const files = readdirSync(reference)
      .filter((f) => f.endsWith(".json"))
      .sort();
    expect(files.length).toBe(16);
    expect(readdirSync(SCHEMA_DIR).sort()).toEqual(files);
    for (const f of files)
      expect(readFileSync(join(SCHEMA_DIR, f), "utf8"), f).toBe(readFileSync(join(reference, f), "utf8"));
  });
  test("every built-in type that names a schema file has one", () => {
    for (const t of BUILTIN_TYPES.filter((x) => x.schemaFile))
      expect(readdirSync(SCHEMA_DIR)).toContain(t.schemaFile);
  });
});

describe("RFC 6902 JSON Patch", () => {
  test("the RFC's examples (A.1, A.2, A.4, A.6, A.8)", () => {
    expect(applyJsonPatch({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }])).toEqual({
      foo: "bar",
      baz: "qux",
    });
    expect(applyJsonPatch({ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }])).toEqual({
      foo: ["bar", "qux", "baz"],
    });
    expect(
      applyJsonPatch({ baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }]),
    ).toEqual({ baz: "boo", foo: "bar" });
    expect(
      applyJsonPatch({ foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } }, [
        { op: "move", from: "/foo/waldo", path: "/qux/thud" },
      ]),
    ).toEqual({ foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } });
    expect(() => applyJsonPatch({ baz: "qux" }, [{ op: "test", path: "/baz", value: "bar" }])).toThrow(
      PatchError,
    );
    expect(() => applyJsonPatch({ a: 1 }, [{ op: "remove", path: "/b" }])).toThrow(PatchError);
  });
});

describe("RFC 7386 JSON Merge Patch", () => {
  test("the RFC's example", () => {
    const target = {
      title: "Goodbye!",
      author: { givenName: "John", familyName: "Doe" },
      tags: ["example", "sample"],
      content: "This will be unchanged",
    };
    const patch = {
      title: "Hello!",
      phoneNumber: "+01-123-456-7890",
      author: { familyName: null },
      tags: ["example"],
    };
    expect(applyMergePatch(target, patch)).toEqual({
      title: "Hello!",
      author: { givenName: "John" },
      tags: ["example"],
      content: "This will be unchanged",
      phoneNumber: "+01-123-456-7890",
    });
  });
});

describe("strategic merge patch", () => {
  const base = {
    spec: {
      containers: [
        { name: "a", image: "a:1", env: [{ name: "X", value: "1" }] },
        { name: "b", image: "b:1" },
      ],
      tolerations: [{ key: "t" }],
    },
  };
  test("lists with a merge key merge by it; other lists are replaced; $patch: delete removes an item", () => {
    const out = applyStrategicMergePatch(base, {
      spec: {
        containers: [
          { name: "a", image: "a:2", env: [{ name: "Y", value: "2" }] },
          { name: "b", $patch: "delete" },
        ],
        tolerations: [{ key: "u" }],
      },
    });
    expect(out).toEqual({
      spec: {
        containers: [
          {
            name: "a",
            image: "a:2",
            env: [
              { name: "X", value: "1" },
              { name: "Y", value: "2" },
            ],
          },
        ],
        tolerations: [{ key: "u" }],
      },
    });
  });
  test("null deletes a field, $retainKeys keeps only the listed ones, $deleteFromPrimitiveList removes values", () => {
    expect(applyStrategicMergePatch({ a: 1, b: 2, c: 3 }, { b: null, $retainKeys: ["a", "b"] })).toEqual({
      a: 1,
    });
    expect(
      applyStrategicMergePatch(
        { metadata: { finalizers: ["x", "y"] } },
        { metadata: { "$deleteFromPrimitiveList/finalizers": ["x"] } },
      ),
    ).toEqual({ metadata: { finalizers: ["y"] } });
  });
});

describe("label selectors", () => {
  test("equality, set and existence requirements", () => {
    const l = { app: "web", tier: "front" };
    expect(matches(parseLabelSelector("app=web,tier!=db"), l)).toBe(true);
    expect(matches(parseLabelSelector("app in (web,api),!canary"), l)).toBe(true);
    expect(matches(parseLabelSelector("tier notin (front)"), l)).toBe(false);
    expect(matches(parseLabelSelector("missing"), l)).toBe(false);
  });
});

describe("PodDisruptionBudget arithmetic", () => {
  const pod = (ready: boolean) => ({
    metadata: { namespace: "d", labels: { app: "x" } },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  });
  test("minAvailable as a percentage rounds up; maxUnavailable subtracts", () => {
    const pods = [pod(true), pod(true), pod(true), pod(false)];
    const sel = { matchLabels: { app: "x" } };
    expect(
      budgetStatus({ metadata: { namespace: "d" }, spec: { minAvailable: "50%", selector: sel } }, pods),
    ).toEqual({ expectedPods: 4, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 });
    expect(
      budgetStatus({ metadata: { namespace: "d" }, spec: { maxUnavailable: 1, selector: sel } }, pods),
    ).toEqual({ expectedPods: 4, currentHealthy: 3, desiredHealthy: 3, disruptionsAllowed: 0 });
  });
});

describe("validation against the reference schemas", () => {
  const deploy = BUILTIN_TYPES.find((t) => t.kind === "Deployment")!;
  const ok = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      selector: { matchLabels: { a: "b" } },
      template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
    },
  };
  test("a valid Deployment passes", () => {
    expect(validateObject(deploy, structuredClone(ok))).toEqual({ causes: [], unknownFields: [] });
  });
  test("wrong types, missing required fields, unknown fields and bad names are found", () => {
    const bad = structuredClone(ok);
    bad.metadata.name = "Web_1";
    Object.assign(bad.spec, { replicas: "3", bogus: true });
    delete (bad.spec.template.spec.containers[0] as { name?: string }).name;
    const r = validateObject(deploy, bad);
    expect(r.unknownFields).toEqual(["spec.bogus"]);
    expect(r.causes.map((c) => [c.reason, c.field])).toEqual(
      expect.arrayContaining([
        ["FieldValueInvalid", "metadata.name"],
        ["FieldValueTypeInvalid", "spec.replicas"],
        ["FieldValueRequired", "spec.template.spec.containers[0].name"],
      ]),
    );
  });
  test("a selector that does not match the template labels is refused", () => {
    const bad = structuredClone(ok);
    bad.spec.template.metadata.labels = { a: "c" };
    expect(validateObject(deploy, bad).causes[0]!.message).toMatch(
      /`selector` does not match template `labels`/,
    );
  });
});

describe("printing and rollout status", () => {
  test("ages print like kubectl's", () => {
    expect([
      humanDuration(5_000),
      humanDuration(150_000),
      humanDuration(3_600_000 * 5 + 60_000 * 3),
      humanDuration(86_400_000 * 3),
    ]).toEqual(["5s", "2m30s", "5h3m", "3d"]);
  });
  test("deployment and daemon set status read like kubectl rollout status", () => {
    expect(
      deploymentStatus({
        metadata: { name: "w", generation: 2 },
        spec: { replicas: 2 },
        status: { observedGeneration: 1 },
      }).message,
    ).toMatch(/spec update to be observed/);
    expect(
      deploymentStatus({
        metadata: { name: "w", generation: 1 },
        spec: { replicas: 2 },
        status: { observedGeneration: 1, updatedReplicas: 2, replicas: 3, availableReplicas: 2 },
      }).message,
    ).toBe("1 old replicas are pending termination");
    expect(
      deploymentStatus({
        metadata: { name: "w", generation: 1 },
        spec: { replicas: 2 },
        status: { observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 2 },
      }).done,
    ).toBe(true);
    expect(
      deploymentStatus({
        metadata: { name: "w", generation: 1 },
        spec: { replicas: 2 },
        status: {
          observedGeneration: 1,
          conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }],
        },
      }).failed,
    ).toBe(true);
    expect(
      daemonSetStatus({
        metadata: { name: "d", generation: 1 },
        status: {
          observedGeneration: 1,
          desiredNumberScheduled: 3,
          updatedNumberScheduled: 3,
          numberAvailable: 2,
        },
      }).message,
    ).toBe("2 of 3 updated pods are available");
  });
});
