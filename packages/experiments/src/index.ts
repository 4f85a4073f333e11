/**
 * @offerlab/experiments — the statistics of offer experiments, pure functions without I/O: arm
 * summaries in, rates with intervals, the beta-binomial posterior (P(best), P(beats control),
 * expected loss), a verdict designed for daily reading, planning, and allocation (stratified
 * blocks, then batched top-two Thompson sampling with a floor). See docs/experiments.md.
 */
export { checkArms, type ArmSummary } from "./arms.js";
export { jeffreysInterval, wilsonInterval, rateInterval, type IntervalMethod, type RateInterval } from "./intervals.js";
export {
  posteriorSummary,
  posteriorDraws,
  defaultPrior,
  defaultDraws,
  type ArmPosterior,
  type BetaPrior,
  type PosteriorInput,
  type PosteriorOptions,
} from "./posterior.js";
export {
  planExperiment,
  powerAt,
  boundaryZ,
  pBestThreshold,
  resolveDesign,
  designDefaults,
  type ExperimentDesign,
  type ResolvedDesign,
  type Plan,
  type PlanInput,
} from "./design.js";
export {
  decide,
  projectSettlement,
  cannotTellApartBelow,
  likelyAt,
  defaultProjectionSimulations,
  type Verdict,
  type NoWinnerReason,
  type Projection,
  type DecideInput,
} from "./verdict.js";
export { analyzeExperiment, dataSeed, guaranteeSentence, type AnalyzeOptions, type ArmReport, type ExperimentReport } from "./analyze.js";
export {
  balancedAssignment,
  stratumKey,
  allocationPhase,
  thompsonProbabilities,
  assignWithProbabilities,
  weightedArmRates,
  effectiveCounts,
  type EffectiveCounts,
  type AllocationDesign,
  type AllocationPhase,
  type Assignment,
  type AssignmentRecord,
  type WeightedRate,
} from "./allocation.js";
export {
  simulateWorld,
  runCalibration,
  runAdaptiveCalibration,
  runSettlementCalibration,
  type AdaptiveCalibrationInput,
  type SettlementCalibrationInput,
  type SettlementCalibrationResult,
  type WorldArm,
  type WorldOptions,
  type World,
  type CountingRule,
  type CalibratedRule,
  type CalibrationInput,
  type CalibrationResult,
} from "./calibration.js";
export { countContacts, type ContactFacts, type ContactMetric, type GroupCounts } from "./counting.js";
