/**
 * Ends a `switch` over a closed union: called with the value no case handled, it only compiles
 * when every member has its case, so adding a member fails to compile where it is not handled.
 */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
