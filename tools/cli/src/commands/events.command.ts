import { parseCommandLine } from '../args';
import { CliError, EXIT } from '../errors';
import { formatEventHistory } from '../format/event-history';
import { connectRuntime } from '../local/connection';
import { ApiError } from '../local/runtime-api';
import { EXIT_CODES_USAGE, reportEmbedded, RUNTIME_OPTIONS, RUNTIME_OPTIONS_USAGE, runtimeOptions, type Command } from './common';

export const eventsCommand: Command = {
  name: 'events',
  summary: "an image's event history as a timeline",
  usage: `usage: imgpipe events <imageId> [options]

Prints the image's event history (the event store: the truth its record is projected
from) as a timeline: sequence, time, ms since the first event, detail-type, source and
the key facts; a failure with its code, stage and reason. Read through the runtime's API
as --user, who sees their own images only. Without a running runtime, one is started for
the command (without re-running unfinished work).

options:
${RUNTIME_OPTIONS_USAGE}
  --json                  print the image and its history as JSON
  -h, --help              this text

${EXIT_CODES_USAGE}
(1 here: no such image for this user)`,

  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { ...RUNTIME_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true);
    if (values.help) {
      io.stdout.write(`${eventsCommand.usage}\n`);
      return EXIT.OK;
    }
    const [imageId, ...extra] = positionals;
    if (!imageId || extra.length > 0) {
      io.stderr.write(`${imageId ? `imgpipe events: one image id, got ${positionals.length}\n` : ''}${eventsCommand.usage}\n`);
      return EXIT.USAGE;
    }
    const options = runtimeOptions(values, io);
    const connection = await connectRuntime({ ...options, recover: false, onEmbedded: reportEmbedded(io) });
    try {
      const details = await connection.api.image(imageId);
      if (values.json) io.stdout.write(`${JSON.stringify(details, null, 2)}\n`);
      else io.stdout.write(`${formatEventHistory(details.imageId, details.image, details.history)}\n`);
      return EXIT.OK;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        throw new CliError({ message: `no image ${imageId} for user ${options.user} (users see their own images only: --user)`, exitCode: EXIT.FAILED });
      }
      throw error;
    } finally {
      await connection.close();
    }
  },
};
