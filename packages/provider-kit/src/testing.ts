/**
 * @offerlab/provider-kit/testing — for adapter tests only (needs `msw` and `vitest`). The fault
 * switch the vendors' MSW fakes use at run time is also at `@offerlab/provider-kit/testing/faults`,
 * which needs neither.
 */
export { createMswServer, setupMswServer, createRequestRecorder, formValues } from "./testing-msw.js";
export type { MswTestServer, RequestRecorder, RecordedRequest, RecordedFile } from "./testing-msw.js";

export {
  contractFaults,
  expectedFaultKinds,
  runCompanySearchContract,
  runPeopleSearchContract,
  runEmailFinderContract,
  runEmailVerifierContract,
  runCompanyEnricherContract,
  runPageScraperContract,
  runLinkedInSenderContract,
  runEmailSenderContract,
  runInboxContract,
} from "./testing-contracts.js";
export type { ContractFault, ContractSetup } from "./testing-contracts.js";

export { createFaultSwitch, matchRequestPrefix } from "./testing-faults.js";
export type { ArmedFault, FaultControls, FaultOptions, FaultSwitch, FaultSwitchOptions } from "./testing-faults.js";
