// The benchmark registry: one module per benchmark, each exporting { name, description, run(options) }.
// run() returns { figures: [{ label, value, unit?, target?, exact? }], notes?: string[], ok?: boolean }.
// Later issues add render and twin benchmarks by appending here.
import * as validate from "./validate.js";
import * as startup from "./startup.js";
import * as fuzz from "./fuzz.js";
import * as twin from "./twin.js";
import * as render from "./render.js";
import * as upgrade from "./upgrade.js";
import * as bootstrap from "./bootstrap.js";
import * as platform from "./platform.js";

export const benchmarks = [validate, startup, fuzz, render, platform, twin, upgrade, bootstrap];
