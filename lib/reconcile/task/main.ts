/**
 * Entry point of the comparison task (Fargate), bundled at synth time into the image.
 *
 * 1. Reads its settings from the environment (see settings.ts).
 * 2. Fetches the credentials (old, new, and the optional base) from Secrets Manager now, not at deploy time.
 * 3. Runs the missing-transaction engine (lib/reconcile/engine) with TLS-verified URLs
 *    into a local directory.
 * 4. Uploads every file the engine wrote to s3://BUCKET/PREFIX/, report.json LAST: a
 *    report.json in S3 means the upload is complete.
 * 5. Prints one JSON line and exits with the engine's contract: 0 no differences,
 *    1 differences (or tables not compared), 2 error (one line, no stack trace).
 */
import * as path from 'path';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { errorMessage, reconcile, REPORT_FILE, type ProgressEvent, type ReconcileOptions, type ReconcileResult } from '../engine';
import { connectionUrl, fetchCredentials } from './connection';
import { readSettings } from './settings';
import { uploadFile } from './upload';

export const EXIT_NO_DIFFERENCES = 0;
export const EXIT_DIFFERENCES = 1;
export const EXIT_ERROR = 2;

export type EngineRunner = (options: ReconcileOptions) => Promise<ReconcileResult>;

export interface TaskDependencies {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly secrets: SecretsManagerClient;
  readonly s3: S3Client;
  readonly runEngine: EngineRunner;
  /** One line, without the newline. */
  readonly stdout: (line: string) => void;
  /** One line, without the newline (progress only). */
  readonly stderr: (line: string) => void;
  readonly now: () => number;
  /** Minimum interval between progress lines. */
  readonly progressIntervalMs?: number;
}

/** report.json last; the rest in the engine's order. */
export function uploadOrder(files: readonly string[]): string[] {
  const isReport = (file: string): boolean => path.basename(file) === REPORT_FILE;
  return [...files.filter((file) => !isReport(file)), ...files.filter(isReport)];
}

/** Never let a password reach the logs, whatever a driver put in its message. */
function redact(message: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length > 0).reduce((text, secret) => text.split(secret).join('***'), message);
}

export async function runTask(deps: TaskDependencies): Promise<number> {
  const passwords: string[] = [];
  try {
    const settings = readSettings(deps.env);
    const [oldCredentials, newCredentials] = await Promise.all([
      fetchCredentials(deps.secrets, settings.oldSecretArn, 'temporary cluster'),
      fetchCredentials(deps.secrets, settings.newSecretArn, 'new primary'),
    ]);
    const baseCredentials = settings.base ? await fetchCredentials(deps.secrets, settings.base.secretArn, 'base cluster') : undefined;
    for (const c of [oldCredentials, newCredentials, ...(baseCredentials ? [baseCredentials] : [])]) passwords.push(c.password, encodeURIComponent(c.password));
    const newHost = settings.newHost ?? newCredentials.host;
    const newPort = settings.newPort ?? newCredentials.port;
    if (newHost === undefined || newPort === undefined) {
      throw new Error('the new primary has no host/port: set NEW_HOST and NEW_PORT or use a secret with host and port');
    }
    const oldUrl = connectionUrl(settings.engine, { host: settings.oldHost, port: settings.oldPort, database: settings.database }, oldCredentials, settings.caFile);
    const newUrl = connectionUrl(settings.engine, { host: newHost, port: newPort, database: settings.database }, newCredentials, settings.caFile);
    const baseUrl =
      settings.base && baseCredentials
        ? connectionUrl(settings.engine, { host: settings.base.host, port: settings.base.port, database: settings.database }, baseCredentials, settings.caFile)
        : undefined;

    const interval = deps.progressIntervalMs ?? 60_000;
    let lastProgress = deps.now();
    const onProgress = (event: ProgressEvent): void => {
      const now = deps.now();
      if (now - lastProgress < interval) return;
      lastProgress = now;
      deps.stderr(JSON.stringify({ reconcile: 'progress', table: event.table, rowsCompared: event.rowsCompared, differences: event.differences }));
    };

    const result = await deps.runEngine({
      engine: settings.engine,
      old: oldUrl,
      new: newUrl,
      ...(baseUrl !== undefined ? { base: baseUrl } : {}),
      outDir: settings.outDir,
      ...(settings.schema !== undefined ? { schema: settings.schema } : {}),
      ...(settings.tables !== undefined ? { tables: settings.tables } : {}),
      onProgress,
      // No password fallbacks: the URLs carry the credentials fetched above.
      env: {},
    });

    const files = uploadOrder(result.files);
    for (const file of files) {
      await uploadFile(deps.s3, settings.bucket, `${settings.prefix}/${path.basename(file)}`, file);
    }

    const exitCode = result.hasDifferences ? EXIT_DIFFERENCES : EXIT_NO_DIFFERENCES;
    const tables = result.report.tables;
    deps.stdout(
      JSON.stringify({
        reconcile: 'done',
        exitCode,
        engine: settings.engine,
        database: settings.database,
        reportUri: `s3://${settings.bucket}/${settings.prefix}/${REPORT_FILE}`,
        totals: result.report.totals,
        tables: tables.length,
        tablesNotCompared: tables.filter((t) => t.skipped !== null).length,
        rows: { old: tables.reduce((sum, t) => sum + t.oldRows, 0), new: tables.reduce((sum, t) => sum + t.newRows, 0) },
        filesUploaded: files.length,
      }),
    );
    return exitCode;
  } catch (error) {
    deps.stdout(JSON.stringify({ reconcile: 'error', exitCode: EXIT_ERROR, error: redact(errorMessage(error), passwords) }));
    return EXIT_ERROR;
  }
}

export async function main(): Promise<void> {
  const region = process.env.AWS_REGION;
  const clientConfig = region !== undefined && region !== '' ? { region } : {};
  process.exitCode = await runTask({
    env: process.env,
    secrets: new SecretsManagerClient(clientConfig),
    s3: new S3Client(clientConfig),
    runEngine: reconcile,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    now: () => Date.now(),
  });
}

// Runs only as the container's entry point (node /app/task.js), not when tests import it.
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stdout.write(`${JSON.stringify({ reconcile: 'error', exitCode: EXIT_ERROR, error: errorMessage(error) })}\n`);
    process.exitCode = EXIT_ERROR;
  });
}
