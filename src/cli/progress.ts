// Renders engine events: a live task list on a terminal (finished lines scroll up, running tasks redraw in place
// with a spinner and elapsed time), plain timestamped lines when not a terminal, NDJSON with --output json.
import type { AnyEngineEvent } from "../engine/types.js";
import { formatMs } from "../engine/executor.js";
import type { Io, OutputFormat } from "./output.js";

export interface DisplayOptions {
  format: OutputFormat;
  tty: boolean;
  now?(): number;
  /** Terminal width; live lines are cut to fit so the in-place redraw counts lines right. */
  columns?: number;
}

export interface Display {
  (e: AnyEngineEvent): void;
  /** Stops the spinner and leaves the live region as it is (also done on the "done" event). */
  stop(): void;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const green = (s: string): string => `\x1b[32m${s}\x1b[39m`;
const red = (s: string): string => `\x1b[31m${s}\x1b[39m`;
const yellow = (s: string): string => `\x1b[33m${s}\x1b[39m`;
const dim = (s: string): string => `\x1b[2m${s}\x1b[22m`;

interface Task {
  title: string;
  since: number;
  note?: string;
}

export function createDisplay(io: Io, options: DisplayOptions): Display {
  const now = options.now ?? Date.now;
  if (options.format === "json") {
    const json = ((e: AnyEngineEvent) =>
      io.out(`${JSON.stringify({ time: new Date(now()).toISOString(), ...e })}\n`)) as Display;
    json.stop = () => undefined;
    return json;
  }
  const tty = options.tty;
  const paint = (f: (s: string) => string, s: string): string => (tty ? f(s) : s);
  const titles = new Map<string, string>();
  const running = new Map<string, Task>();
  let liveLines = 0;
  let frame = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const stamp = (): string => {
    const d = new Date(now());
    const p = (n: number): string => String(n).padStart(2, "0");
    return `[${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}]`;
  };

  // Turns an event into permanent lines (printed once) and updates the running set.
  const lines = (e: AnyEngineEvent): string[] => {
    switch (e.type) {
      case "plan":
        return [
          `${e.operation}: ${e.actions} action${e.actions === 1 ? "" : "s"}` +
            (e.resumed > 0 ? `, ${e.resumed} done in an earlier run (resuming)` : ""),
        ];
      case "action-start":
        titles.set(e.id, e.title);
        running.set(e.id, { title: e.title, since: now() });
        if (tty) return [];
        return [`→ ${e.title}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`];
      case "action-progress": {
        const task = running.get(e.id);
        if (task) task.note = e.message;
        return tty ? [] : [`  ${titles.get(e.id) ?? e.id}: ${e.message}`];
      }
      case "action-retry":
        running.delete(e.id);
        return [
          paint(
            yellow,
            `↻ ${titles.get(e.id) ?? e.id}: ${e.error}; retrying in ${formatMs(e.delayMs)} (attempt ${e.attempt})`,
          ),
        ];
      case "action-done":
        running.delete(e.id);
        // A partial success leads with what was not done: the title alone would claim the whole step.
        if (e.partial)
          return [
            `${paint(yellow, "!")} ${e.title}: ${e.outcome ?? "partly done"} ${paint(dim, `(${formatMs(e.ms)})`)}`,
          ];
        return [
          `${paint(green, "✓")} ${e.title}${e.outcome ? `: ${e.outcome}` : ""} ${paint(dim, `(${formatMs(e.ms)})`)}`,
        ];
      case "action-failed":
        running.delete(e.id);
        return [`${paint(red, "✗")} ${e.title}: ${e.error}`];
      case "action-skipped":
        running.delete(e.id);
        return [paint(dim, `- ${e.title ?? titles.get(e.id) ?? e.id} (${e.reason})`)];
      case "halt":
        return [paint(yellow, `! halted: ${e.reason}`)];
      case "warning":
        return [paint(yellow, `! ${e.message}`)];
      case "done":
        return [
          e.ok ? paint(green, `done in ${formatMs(e.ms)}`) : paint(red, `stopped after ${formatMs(e.ms)}`),
        ];
    }
  };

  const cut = (s: string): string => {
    const width = Math.max(20, (options.columns ?? 100) - 1);
    return s.length > width ? `${s.slice(0, width - 1)}…` : s;
  };

  const live = (): string[] =>
    [...running.values()].map((t) => {
      const spin = SPINNER[frame % SPINNER.length] ?? "*";
      return cut(`${spin} ${t.title} ${formatMs(now() - t.since)}${t.note ? ` — ${t.note}` : ""}`);
    });

  // Erase the live region, print the new permanent lines above it, redraw it.
  const redraw = (permanent: string[]): void => {
    const clear = liveLines > 0 ? `\x1b[${liveLines}A\r\x1b[J` : "";
    const region = live();
    liveLines = region.length;
    const body = [...permanent, ...region].map((l) => `${l}\n`).join("");
    io.out(`${clear}${body}`);
  };

  const stop = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  const display = ((e: AnyEngineEvent) => {
    const permanent = lines(e).map((l) => (tty ? l : `${stamp()} ${l}`));
    if (!tty) {
      for (const l of permanent) io.out(`${l}\n`);
      return;
    }
    if (e.type === "done") stop();
    else if (!timer && running.size > 0) {
      timer = setInterval(() => {
        frame++;
        if (running.size > 0) redraw([]);
      }, 100);
      timer.unref?.();
    }
    redraw(permanent);
  }) as Display;
  display.stop = stop;
  return display;
}
