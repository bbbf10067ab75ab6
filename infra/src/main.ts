import { App } from 'aws-cdk-lib';
import { buildApp } from './app';

// `npx cdk synth` from infra/ (cdk.json runs this file with tsx). Account and region come
// from the CLI's profile; stacks stay environment-agnostic when none is configured.
const app = new App();
const account = process.env['CDK_DEFAULT_ACCOUNT'];
const region = process.env['CDK_DEFAULT_REGION'];
buildApp(app, account && region ? { env: { account, region } } : {});
app.synth();
