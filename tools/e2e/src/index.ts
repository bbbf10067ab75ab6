export { launchBrowser, CHROMIUM_PATH } from './browser';
