// OPA Gatekeeper from its Helm repository.
export const GATEKEEPER_CHART = {
  name: "gatekeeper",
  version: "3.21.0",
  repository: "https://open-policy-agent.github.io/gatekeeper/charts",
};
