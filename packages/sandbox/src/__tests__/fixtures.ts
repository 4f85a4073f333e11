/** What the tests import from the package, plus the reply vocabulary to recognise replies by. */
export { createSandbox, DEFAULT_SANDBOX_RATES } from "../index.js";
export { REPLY_TEXTS as REPLY_TEXTS_FOR_TESTS } from "../sandbox-data.js";
