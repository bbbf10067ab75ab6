/**
 * Loaded before `@aws-lambda-powertools/tracer` (see `powertools.ts`), for its side effect only.
 *
 * Outside Lambda the tracer is off (Powertools reads `AWS_EXECUTION_ENV`, which only Lambda
 * sets), yet importing it loads the AWS X-Ray SDK, whose automatic mode creates a cls-hooked
 * namespace as the module loads: an `async_hooks` hook with `init` and `destroy` callbacks on
 * every promise and handle of the process, which cls-hooked never disables. In the local
 * runtime, where one event loop runs the s3rver and dynalite peers, the SDK clients and every
 * service, that hook took ~4% of the loop's busy time during one upload, besides the garbage
 * its destroy tracking leaves (a CPU profile; issue 13, early thumbnails; tools/local/README.md).
 * The SDK's own switch, `AWS_XRAY_MANUAL_MODE`, skips the namespace; it is set here only where
 * tracing cannot run, and never over a value the environment already gives. In Lambda nothing
 * changes.
 */
if (!process.env['AWS_EXECUTION_ENV']) process.env['AWS_XRAY_MANUAL_MODE'] ??= 'true';

export {};
