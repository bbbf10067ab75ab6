import type { WebConfig } from '@imgpipe/contracts/views';

/**
 * The web UI's `GET /config.json` for the local runtime: everything on this one origin —
 * the upload API under `/api`, processed images under `/cdn`, the development sign-in, the
 * event stream and the stats. (On AWS the Api stack writes the deployment's own.)
 */
export const LOCAL_WEB_CONFIG: WebConfig = {
  apiBaseUrl: '/api',
  cdnBaseUrl: '/cdn',
  auth: { kind: 'dev', loginUrl: '/auth/dev-login' },
  eventsUrl: '/api/events',
  statsUrl: '/api/stats',
};
