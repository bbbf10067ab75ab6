/**
 * `@imgpipe/security`: the attacks of issue 9 against a real `npm start` runtime (see README.md).
 * The harness is exported for other suites that need a runtime as a child process.
 */
export { startRuntime, settle, scratchDir, discoverEndpoints, SECURITY_ROOT, type RuntimeProcess, type Endpoints } from './runtime-process';
export { runtimeCredentials, s3Client, dynamoClient, rawRequest, type Credentials } from './peers';
