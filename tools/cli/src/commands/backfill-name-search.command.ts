import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createAwsClients, type BackfillNameSearchProgress } from '@imgpipe/platform';
import { parseCommandLine } from '../args';
import type { CliIo } from '../cli-io';
import { EXIT, UsageError } from '../errors';
import { backfillNameSearchOnTable, type NameSearchBackfillResult } from '../aws/backfill-name-search.aws';
import { DEFAULT_OUTPUTS_FILE, FOUNDATION_STACK, requireOutput } from '../aws/stack-outputs';
import { AWS_OPTIONS, clientConfig, stackOutputs } from './aws-options';
import { EXIT_CODES_USAGE, type Command } from './common';

/** The Foundation stack's output that names the read model's table (infra/src/stacks/foundation.stack.ts). */
export const READ_MODEL_TABLE_OUTPUT = 'ImageMetadataTableName';

/** SIGINTs this close to the first are the same Ctrl-C delivered again (process group, npm, the relaunch), not a second one. */
export const SIGINT_REPEAT_MS = 1000;

/** A process ended by SIGINT exits 128 + 2, as the shell reports it. */
const EXIT_ON_SIGINT = 130;

const OPTIONS = {
  region: AWS_OPTIONS.region,
  stack: AWS_OPTIONS.stack,
  'outputs-file': AWS_OPTIONS['outputs-file'],
  table: { type: 'string' },
  endpoint: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const backfillNameSearchCommand: Command = {
  name: 'backfill-name-search',
  summary: 'give the gallery\'s name search key to read-model records written before it (AWS)',
  usage: `usage: imgpipe backfill-name-search (--table <name> | --stack <foundation stack>) [--region <region>]

The read model stores a lower-cased search key of each image's file name on every write;
a record written before that release has none until its next event, and the gallery's
name search then finds it only on its file name as typed. This runs the read model's own
migration (DynamoImageReadModel.backfillNameSearch, which the local runtime runs at start)
on a deployed table: one Scan of the table for records with a file name and no key, each
put back unchanged at the revision it read, which writes the key. Progress after every
Scan page (1 MB) on stderr, the totals on stdout.

Safe to run again (it writes only records still without the key: a second run writes 0)
and to interrupt (Ctrl-C stops it before its next write; a record is written whole or not
at all, and the next run takes up the rest). A record a writer changed between the Scan and
the put is left to that writer, which wrote its key.

options:
  --table <name>          the read model's table (the Foundation stack's ${READ_MODEL_TABLE_OUTPUT})
  --stack <name>          read the table's name from this stack's outputs (e.g. ${FOUNDATION_STACK})
  --outputs-file <file>   where \`cdk deploy --outputs-file\` wrote them (default ${DEFAULT_OUTPUTS_FILE})
  --region <region>       the AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)
  --endpoint <url>        a DynamoDB-compatible endpoint instead of AWS's (DynamoDB Local, tests)
  -h, --help              this text
Credentials: the SDK's default chain. Permissions: dynamodb:Scan and dynamodb:PutItem on the table.

${EXIT_CODES_USAGE}
(1 here: interrupted before the end; run it again to finish)`,

  async run(argv, io) {
    const { values } = parseCommandLine(argv, OPTIONS);
    if (values.help) {
      io.stdout.write(`${backfillNameSearchCommand.usage}\n`);
      return EXIT.OK;
    }
    if (values.table !== undefined && values.stack !== undefined) throw new UsageError('give --table or --stack, not both');
    const stack = await stackOutputs(values);
    const tableName = values.table ?? (stack ? requireOutput(stack.outputs, READ_MODEL_TABLE_OUTPUT, stack.stack) : undefined);
    if (!tableName) throw new UsageError(`--table <name> or --stack <name> is required (the read model's table, the ${READ_MODEL_TABLE_OUTPUT} output)`);
    if (values.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(values.endpoint)) {
      throw new UsageError(`--endpoint must be an http(s) URL, got "${values.endpoint}"`);
    }
    const clients = createAwsClients({
      region: await resolveRegion(values, io),
      ...(values.endpoint ? { endpoints: { dynamodb: values.endpoint } } : {}),
    });
    // Ctrl-C stops the backfill before its next put. One Ctrl-C often arrives more than once (the
    // terminal signals the whole process group, and npm's run-script and the bin's allocator
    // relaunch pass it on again), so a repeat within SIGINT_REPEAT_MS is the same one and ignored;
    // a later one, a deliberate second Ctrl-C, quits at once with a signal's usual 130. (A
    // `once` listener would leave that repeat to node's default, which kills the process before
    // the "not finished" message and exit 1.)
    const interrupt = new AbortController();
    let firstSigintAt: number | undefined;
    const onSigint = () => {
      const now = Date.now();
      if (firstSigintAt === undefined) {
        firstSigintAt = now;
        io.stderr.write('imgpipe backfill-name-search: interrupted; stopping before the next write (Ctrl-C again to quit at once)\n');
        interrupt.abort();
      } else if (now - firstSigintAt > SIGINT_REPEAT_MS) {
        io.stderr.write('imgpipe backfill-name-search: quit; what is written stays written: run it again to finish\n');
        process.exit(EXIT_ON_SIGINT);
      }
    };
    process.on('SIGINT', onSigint);
    try {
      const result = await backfillNameSearchOnTable(clients.documents, tableName, {
        onProgress: (progress) => io.stderr.write(`${progressLine(progress)}\n`),
        signal: interrupt.signal,
      });
      io.stdout.write(`${summaryLine(result)}\n`);
      if (!result.interrupted) return EXIT.OK;
      io.stderr.write('imgpipe backfill-name-search: not finished; what is written stays written: run it again to finish\n');
      return EXIT.FAILED;
    } finally {
      process.off('SIGINT', onSigint);
      clients.destroy();
    }
  },
};

/**
 * `--region`, else `AWS_REGION` / `AWS_DEFAULT_REGION`, else the profile's (the SDK's own
 * region chain; the client factory wants a region to hand every client).
 */
async function resolveRegion(values: { readonly region?: string | undefined }, io: CliIo): Promise<string> {
  const configured = clientConfig(values, io).region;
  if (configured) return configured;
  const probe = new DynamoDBClient({});
  try {
    return await probe.config.region();
  } catch {
    throw new UsageError('no AWS region: give --region, set AWS_REGION, or set a region in the profile');
  } finally {
    probe.destroy();
  }
}

/** `scanned 1200 item(s): 37 without the name search key, 37 written` (a page's progress). */
export function progressLine(progress: BackfillNameSearchProgress): string {
  const meanwhile = progress.changedMeanwhile > 0 ? `, ${progress.changedMeanwhile} changed meanwhile by a writer (which wrote the key)` : '';
  return `scanned ${progress.scanned} item(s): ${progress.matched} without the name search key, ${progress.written} written${meanwhile}`;
}

/** The final line: the table, what was scanned and written, and whether it finished. */
export function summaryLine(result: NameSearchBackfillResult): string {
  const what =
    result.matched === 0 && !result.interrupted
      ? 'every record already has its name search key; nothing written'
      : `wrote the name search key on ${result.written} of ${result.matched} record(s) without it` +
        (result.changedMeanwhile > 0 ? ` (${result.changedMeanwhile} changed meanwhile by a writer, which wrote the key)` : '');
  return `${result.tableName}: scanned ${result.scanned} item(s); ${what}${result.interrupted ? '; interrupted before the end of the table' : ''}`;
}
