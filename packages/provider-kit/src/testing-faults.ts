/**
 * The fault switch every vendor's MSW fake (`@offerlab/provider-<vendor>/msw`) is built on: a test
 * (or the sandbox) arms a fault with `fail(fault, { times })`, each request the fake answers asks
 * `take()` whether it meets one, and `clearFaults()` disarms everything. What a fault *does*
 * (which status, which body, acting before or after) stays in the vendor's fake, because that is
 * the vendor's behaviour; when and how often it happens is the same everywhere and lives here.
 *
 * No `msw` and no `vitest` here: the sandbox serves the fakes in production CLI runs.
 *
 * ```ts
 * const faults = createFaultSwitch<ExaFault>();
 * // in a handler:
 * const armed = faults.take();
 * if (armed) return faultResponse(armed.fault);
 * // on the mock:
 * return { handlers, fail: faults.fail, clearFaults: faults.clearFaults };
 * ```
 */

/** Options every fault takes. Vendors extend them (Unipile adds `match`, `type`, `retryAfterSeconds`). */
export interface FaultOptions {
  /** Only the next `times` requests (that match) meet the fault. Default: every request until `clearFaults()`. */
  times?: number;
}

/** An armed fault, as `take()` hands it to the handler. */
export interface ArmedFault<F extends string, O extends FaultOptions = FaultOptions> {
  fault: F;
  options: O;
}

/** The part of a vendor mock that switches faults on and off (every `<Vendor>Mock` has it). */
export interface FaultControls<F extends string, O extends FaultOptions = FaultOptions> {
  /** Switches `fault` on for every request, or for the next `options.times` requests. */
  fail(fault: F, options?: O): void;
  /** Switches every fault off. */
  clearFaults(): void;
}

export interface FaultSwitch<F extends string, O extends FaultOptions = FaultOptions> extends FaultControls<F, O> {
  /**
   * The fault the current request meets, or null; uses up one of its `times`. `key` is what
   * `matches` is asked about (Unipile passes `"POST /users/invite"`).
   */
  take(key?: string): ArmedFault<F, O> | null;
  /** How many faults are armed (for tests of the switch itself). */
  readonly armed: number;
}

export interface FaultSwitchOptions<O extends FaultOptions> {
  /**
   * `"replace"` (default): one fault at a time, and `fail` replaces the armed one. `"stack"`:
   * every `fail` adds a fault and a request meets the first armed one that matches it (for fakes
   * whose tests arm several faults on different routes at once).
   */
  mode?: "replace" | "stack";
  /** Whether an armed fault applies to the request named `key`. Default: every request. */
  matches?: (options: O, key: string | undefined) => boolean;
}

interface Slot<F extends string, O extends FaultOptions> {
  fault: F;
  options: O;
  /** Requests still to fail; Infinity until cleared. */
  left: number;
}

/**
 * A fault switch (see the module's comment). A fault armed with `times: n` fails the next `n`
 * requests that match it and is then gone; without `times` it stays until `clearFaults()`.
 */
export function createFaultSwitch<F extends string, O extends FaultOptions = FaultOptions>(
  options: FaultSwitchOptions<O> = {},
): FaultSwitch<F, O> {
  const mode = options.mode ?? "replace";
  const matches = options.matches ?? (() => true);
  let slots: Slot<F, O>[] = [];
  return {
    fail(fault: F, faultOptions?: O) {
      const o = faultOptions ?? ({} as O);
      const slot = { fault, options: o, left: o.times ?? Number.POSITIVE_INFINITY };
      slots = mode === "replace" ? [slot] : [...slots, slot];
    },
    clearFaults() {
      slots = [];
    },
    take(key?: string) {
      const slot = slots.find((s) => s.left > 0 && matches(s.options, key));
      if (!slot) return null;
      slot.left -= 1;
      if (slot.left <= 0) slots = slots.filter((s) => s !== slot);
      return { fault: slot.fault, options: slot.options };
    },
    get armed() {
      return slots.length;
    },
  };
}

/**
 * Matches Unipile-style `match` options: `"METHOD /path"` prefixes of the request's key. A fault
 * without `match` applies to every request.
 */
export function matchRequestPrefix<O extends FaultOptions & { match?: string }>(options: O, key: string | undefined): boolean {
  return !options.match || (key !== undefined && key.startsWith(options.match));
}
