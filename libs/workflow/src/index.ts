/**
 * The one topology both runtimes use: the pipeline state machine (`pipeline.asl.json`), the
 * event rules and the upload API's routes, as data; plus what a runtime needs to run them
 * itself (an EventBridge pattern matcher, the `PutEvents` task stand-in, the Node 20 polyfill).
 */
export * from './asl';
export * from './asl-budget';
export * from './rules';
export * from './api-routes';
export * from './event-pattern';
export * from './task-io';
export * from './put-events-task';
export * from './local-tasks';
export * from './polyfill';
