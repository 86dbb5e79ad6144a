// The Knative Operator chart (knative/operator's Helm repository); it installs the Serving and Eventing release
// of the same minor. The KnativeServing/KnativeEventing schemas cairn validates against are the operator's v1.22.1
// CRDs (schema/kubernetes/SOURCES.md).
export const KNATIVE_OPERATOR_CHART = {
  name: "knative-operator",
  version: "v1.22.1",
  repository: "https://knative.github.io/operator",
};
