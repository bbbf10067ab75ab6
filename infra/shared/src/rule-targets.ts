import { Duration } from 'aws-cdk-lib';

/**
 * How EventBridge retries a target before dead-lettering the event: 8 attempts over at most
 * an hour (EventBridge backs off exponentially with jitter). An hour outlasts a throttling
 * burst or a deploy, and is far inside the archive's retention, from which anything older
 * can be replayed. Every rule target of the app uses it (the pipeline's rules, metadata's
 * purge schedule), with the Foundation's rule-target DLQ.
 */
export const RULE_TARGET_RETRY = { retryAttempts: 8, maxEventAge: Duration.hours(1) } as const;
