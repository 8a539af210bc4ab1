/** Entry point of `npm run -s undo`; see main.ts and docs/undo-bad-write.md. */
import * as readline from 'node:readline';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { reconcile } from '../../lib/reconcile/engine';
import { deadlineClientConfig } from '../../lib/common/aws-client';
import { awsClients } from '../cli/deps';
import { EXIT } from '../cli/errors';
import { runUndo } from './main';

const fatal = (err: unknown): void => {
  process.stderr.write(`undo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(EXIT.FAILED);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

const clients = awsClients();
const secrets = new Map<string, SecretsManagerClient>();
runUndo({
  ssm: clients.ssm,
  rds: clients.rds,
  secrets: (region) => {
    let client = secrets.get(region);
    if (client === undefined) {
      client = new SecretsManagerClient(deadlineClientConfig(region));
      secrets.set(region, client);
    }
    return client;
  },
  report: reconcile,
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
  confirm: async (question) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  },
}, process.argv.slice(2)).then((code) => {
  clients.destroy();
  secrets.forEach((client) => client.destroy());
  process.exitCode = code;
}, fatal);
