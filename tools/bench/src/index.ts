/**
 * `@imgpipe/bench`: `npm run bench` (src/main.ts). Exported for reuse by other tools: the
 * Lambda cost model and the targets, both pure.
 */
export { estimateLambdaCost, LAMBDA_ARM64_PRICE, ONE_VCPU_MEMORY_MB } from './cost-model';
export type { CostEstimate, CostInput } from './cost-model';
export { checkTargets, TARGETS } from './targets';
export type { Rates, TargetCheck, TargetInput, TargetStatus } from './targets';
export { median, summarize } from './stats';
export type { Summary } from './stats';
