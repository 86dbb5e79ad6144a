// The twin: not a provider a spec names but the stand-in for any of them (`--twin`). Its machines are SIMULATED
// (src/twin); the spec's own provider still decides the Talos platform the configs are rendered for.
export { twinTarget } from "./target.js";
