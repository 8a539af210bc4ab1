import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConnectionUrl, ReconcileError, type ReconcileOptions, type ReconcileReport, type ReconcileResult } from '../../../lib/reconcile/engine';
import { connectionUrl } from '../../../lib/reconcile/task/connection';
import { EXIT_DIFFERENCES, EXIT_ERROR, EXIT_NO_DIFFERENCES, runTask, uploadOrder, type EngineRunner } from '../../../lib/reconcile/task/main';
import { readSettings, TaskConfigError } from '../../../lib/reconcile/task/settings';
import { uploadFile } from '../../../lib/reconcile/task/upload';

const OLD_SECRET = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!cluster-1234-AbCdEf';
const NEW_SECRET = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:retail-orders-master-AbCdEf';
const OLD_PASSWORD = 'old p@ss:/#?%';
const NEW_PASSWORD = 'n3w+pw&=';

function baseEnv(outDir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ENGINE: 'postgres',
    OLD_HOST: 'retail-reconcile-orders.cluster-abc.us-west-2.rds.amazonaws.com',
    OLD_PORT: '5433',
    OLD_SECRET_ARN: OLD_SECRET,
    NEW_SECRET_ARN: NEW_SECRET,
    NEW_HOST: 'retail-orders-us-west-2.cluster-abc.us-west-2.rds.amazonaws.com',
    NEW_PORT: '5433',
    DATABASE: 'orders',
    SCHEMA: 'public',
    TABLES: '',
    BUCKET: 'report-bucket',
    PREFIX: 'reports/orders/exec-1',
    RDS_CA_FILE: '/app/rds-ca.pem',
    OUT_DIR: outDir,
    ...overrides,
  };
}

function report(totals: ReconcileReport['totals'], skipped: string | null = null): ReconcileReport {
  return {
    engine: 'postgres',
    generatedAt: '2026-01-01T00:00:00.000Z',
    tables: [{ table: 'orders', primaryKey: ['id'], oldRows: 10, newRows: 9, missingInNew: totals.missingInNew, changed: totals.changed, onlyInNew: totals.onlyInNew, skipped, drift: null, notes: [] }],
    totals,
  };
}

/** An engine stand-in that writes the files the real one writes and records its options. */
function fakeEngine(result: { hasDifferences: boolean; report: ReconcileReport }, seen: ReconcileOptions[]): EngineRunner {
  return async (options) => {
    seen.push(options);
    fs.mkdirSync(options.outDir, { recursive: true });
    const files = ['orders.jsonl', 'summary.md', 'report.json'].map((name) => path.join(options.outDir, name));
    for (const file of files) fs.writeFileSync(file, `${path.basename(file)} content`);
    const out: ReconcileResult = { report: result.report, files, hasDifferences: result.hasDifferences };
    return out;
  };
}

describe('comparison task', () => {
  const secrets = mockClient(SecretsManagerClient);
  const s3 = mockClient(S3Client);
  let outDir: string;
  let stdout: string[];
  let stderr: string[];

  beforeEach(() => {
    secrets.reset();
    s3.reset();
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconcile-task-test-'));
    stdout = [];
    stderr = [];
    secrets.on(GetSecretValueCommand, { SecretId: OLD_SECRET }).resolves({ SecretString: JSON.stringify({ username: 'orders_admin', password: OLD_PASSWORD }) });
    secrets.on(GetSecretValueCommand, { SecretId: NEW_SECRET }).resolves({
      SecretString: JSON.stringify({ engine: 'postgres', host: 'retail-orders.global-abc.global.rds.amazonaws.com', port: 5433, username: 'orders_admin', password: NEW_PASSWORD, dbname: 'orders' }),
    });
    s3.on(PutObjectCommand).resolves({});
  });
  afterEach(() => fs.rmSync(outDir, { recursive: true, force: true }));

  function run(engine: EngineRunner, env: Record<string, string> = baseEnv(outDir)): Promise<number> {
    return runTask({
      env,
      secrets: new SecretsManagerClient({ region: 'us-west-2' }),
      s3: new S3Client({ region: 'us-west-2' }),
      runEngine: engine,
      stdout: (line) => stdout.push(line),
      stderr: (line) => stderr.push(line),
      now: () => 0,
    });
  }

  it('fetches both credentials at run time and connects with verified TLS to both sides', async () => {
    const seen: ReconcileOptions[] = [];
    let callsBeforeEngine = -1;
    const engine = fakeEngine({ hasDifferences: false, report: report({ missingInNew: 0, changed: 0, onlyInNew: 0 }) }, seen);
    const code = await run(async (options) => {
      callsBeforeEngine = secrets.commandCalls(GetSecretValueCommand).length;
      return engine(options);
    });
    expect(code).toBe(EXIT_NO_DIFFERENCES);
    expect(callsBeforeEngine).toBe(2);
    expect(secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId).sort()).toEqual([NEW_SECRET, OLD_SECRET].sort());

    const options = seen[0];
    expect(options.engine).toBe('postgres');
    expect(options.schema).toBe('public');
    expect(options.tables).toBeUndefined();
    expect(options.env).toEqual({});
    const oldSpec = parseConnectionUrl('postgres', String(options.old), '--old');
    const newSpec = parseConnectionUrl('postgres', String(options.new), '--new');
    expect(oldSpec).toMatchObject({ host: 'retail-reconcile-orders.cluster-abc.us-west-2.rds.amazonaws.com', port: 5433, user: 'orders_admin', password: OLD_PASSWORD, database: 'orders' });
    expect(oldSpec.tls).toEqual({ mode: 'verify-full', caFile: '/app/rds-ca.pem' });
    // The local member's cluster endpoint, not the secret's global writer endpoint.
    expect(newSpec).toMatchObject({ host: 'retail-orders-us-west-2.cluster-abc.us-west-2.rds.amazonaws.com', port: 5433, password: NEW_PASSWORD });
    expect(newSpec.tls).toEqual({ mode: 'verify-full', caFile: '/app/rds-ca.pem' });
  });

  it('builds MySQL URLs with VERIFY_IDENTITY against the RDS bundle and passes no schema', async () => {
    const seen: ReconcileOptions[] = [];
    const code = await run(fakeEngine({ hasDifferences: false, report: report({ missingInNew: 0, changed: 0, onlyInNew: 0 }) }, seen), baseEnv(outDir, { ENGINE: 'aurora-mysql', SCHEMA: 'ignored', DATABASE: 'catalog' }));
    expect(code).toBe(EXIT_NO_DIFFERENCES);
    expect(seen[0].engine).toBe('mysql');
    expect(seen[0].schema).toBeUndefined();
    const spec = parseConnectionUrl('mysql', String(seen[0].old), '--old');
    expect(spec.tls).toEqual({ mode: 'verify-full', caFile: '/app/rds-ca.pem' });
    expect(String(seen[0].old)).toContain('ssl-mode=VERIFY_IDENTITY');
  });

  it('falls back to the secret\'s host and port for the new primary when NEW_HOST is not set', async () => {
    const seen: ReconcileOptions[] = [];
    const env = baseEnv(outDir);
    delete env.NEW_HOST;
    delete env.NEW_PORT;
    await run(fakeEngine({ hasDifferences: false, report: report({ missingInNew: 0, changed: 0, onlyInNew: 0 }) }, seen), env);
    expect(parseConnectionUrl('postgres', String(seen[0].new), '--new')).toMatchObject({ host: 'retail-orders.global-abc.global.rds.amazonaws.com', port: 5433 });
  });

  it('uploads every output file under the prefix, report.json last, and prints one JSON line with the totals', async () => {
    const code = await run(fakeEngine({ hasDifferences: true, report: report({ missingInNew: 3, changed: 1, onlyInNew: 0 }) }, []), baseEnv(outDir, { TABLES: 'orders, order_lines,orders' }));
    expect(code).toBe(EXIT_DIFFERENCES);
    const keys = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(keys).toEqual(['reports/orders/exec-1/orders.jsonl', 'reports/orders/exec-1/summary.md', 'reports/orders/exec-1/report.json']);
    expect(s3.commandCalls(PutObjectCommand).every((c) => c.args[0].input.Bucket === 'report-bucket')).toBe(true);
    expect(s3.commandCalls(PutObjectCommand)[2].args[0].input.ContentType).toBe('application/json');
    expect(stdout).toHaveLength(1);
    expect(JSON.parse(stdout[0])).toMatchObject({
      reconcile: 'done',
      exitCode: 1,
      reportUri: 's3://report-bucket/reports/orders/exec-1/report.json',
      totals: { missingInNew: 3, changed: 1, onlyInNew: 0 },
      tables: 1,
      filesUploaded: 3,
    });
  });

  it('passes the TABLES list to the engine without duplicates', async () => {
    const seen: ReconcileOptions[] = [];
    await run(fakeEngine({ hasDifferences: false, report: report({ missingInNew: 0, changed: 0, onlyInNew: 0 }) }, seen), baseEnv(outDir, { TABLES: 'orders, order_lines,orders' }));
    expect(seen[0].tables).toEqual(['orders', 'order_lines']);
  });

  it('exits 2 with one line and no password when the engine fails, uploading nothing', async () => {
    const code = await run(async () => {
      throw new ReconcileError(`cannot connect to --old: password authentication failed (${OLD_PASSWORD})`);
    });
    expect(code).toBe(EXIT_ERROR);
    expect(stdout).toHaveLength(1);
    expect(stderr).toHaveLength(0);
    const line = JSON.parse(stdout[0]) as { reconcile: string; exitCode: number; error: string };
    expect(line).toMatchObject({ reconcile: 'error', exitCode: 2 });
    expect(line.error).toContain('password authentication failed');
    expect(stdout[0]).not.toContain(OLD_PASSWORD);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('exits 2 when a secret cannot be read, before running the engine', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: OLD_SECRET }).rejects(new Error('AccessDeniedException: not authorized'));
    const seen: ReconcileOptions[] = [];
    const code = await run(fakeEngine({ hasDifferences: false, report: report({ missingInNew: 0, changed: 0, onlyInNew: 0 }) }, seen));
    expect(code).toBe(EXIT_ERROR);
    expect(seen).toHaveLength(0);
    expect(JSON.parse(stdout[0])).toMatchObject({ reconcile: 'error', error: 'AccessDeniedException: not authorized' });
  });

  it('exits 2 and never uploads report.json when an earlier upload fails', async () => {
    s3.on(PutObjectCommand, { Key: 'reports/orders/exec-1/summary.md' }).rejects(new Error('SlowDown'));
    const code = await run(fakeEngine({ hasDifferences: false, report: report({ missingInNew: 0, changed: 0, onlyInNew: 0 }) }, []));
    expect(code).toBe(EXIT_ERROR);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).not.toContain('reports/orders/exec-1/report.json');
  });

  it('passes the base (three-way verdict) with its own secret, TLS-verified, and keeps its password out of errors', async () => {
    const BASE_SECRET = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!cluster-base-AbCdEf';
    const BASE_PASSWORD = 'b4se/p@ss';
    secrets.on(GetSecretValueCommand, { SecretId: BASE_SECRET }).resolves({ SecretString: JSON.stringify({ username: 'orders_admin', password: BASE_PASSWORD }) });
    const seen: ReconcileOptions[] = [];
    const env = baseEnv(outDir, { BASE_HOST: 'retail-reconcile-base.cluster-abc.us-west-2.rds.amazonaws.com', BASE_SECRET_ARN: BASE_SECRET });
    expect(await run(fakeEngine({ hasDifferences: false, report: report({ missingInNew: 0, changed: 0, onlyInNew: 0 }) }, seen), env)).toBe(EXIT_NO_DIFFERENCES);
    const baseSpec = parseConnectionUrl('postgres', String(seen[0].base), '--base');
    expect(baseSpec).toMatchObject({ host: 'retail-reconcile-base.cluster-abc.us-west-2.rds.amazonaws.com', port: 5433, password: BASE_PASSWORD, database: 'orders' });
    expect(baseSpec.tls).toEqual({ mode: 'verify-full', caFile: '/app/rds-ca.pem' });

    stdout = [];
    const failing: EngineRunner = async (o) => {
      throw new ReconcileError(`cannot connect: ${String(o.base)}`);
    };
    expect(await run(failing, env)).toBe(EXIT_ERROR);
    expect(stdout[0]).not.toContain(encodeURIComponent(BASE_PASSWORD));
    // Without a base: two-way, as before.
    const twoWay: ReconcileOptions[] = [];
    await run(fakeEngine({ hasDifferences: false, report: report({ missingInNew: 0, changed: 0, onlyInNew: 0 }) }, twoWay));
    expect(twoWay[0].base).toBeUndefined();
    expect(() => readSettings({ ...env, BASE_SECRET_ARN: '' })).toThrow('BASE_HOST and BASE_SECRET_ARN go together');
  });

  it('exits 2 on a missing setting, naming it', async () => {
    const env = baseEnv(outDir);
    delete env.OLD_SECRET_ARN;
    expect(await run(fakeEngine({ hasDifferences: false, report: report({ missingInNew: 0, changed: 0, onlyInNew: 0 }) }, []), env)).toBe(EXIT_ERROR);
    expect(JSON.parse(stdout[0])).toMatchObject({ error: 'environment variable OLD_SECRET_ARN is required' });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});

describe('task settings and URLs', () => {
  it('reads defaults and rejects bad values', () => {
    const settings = readSettings({ ENGINE: 'postgres', OLD_HOST: 'h', OLD_PORT: '5433', OLD_SECRET_ARN: 'a', NEW_SECRET_ARN: 'b', DATABASE: 'orders', BUCKET: 'b', PREFIX: '/reports/orders/x/' });
    expect(settings).toMatchObject({ prefix: 'reports/orders/x', caFile: '/app/rds-ca.pem', outDir: '/data/report' });
    expect(() => readSettings({ ENGINE: 'oracle' })).toThrow(TaskConfigError);
    expect(() => readSettings({ ENGINE: 'postgres', OLD_PORT: '70000' })).toThrow(/OLD_PORT must be a TCP port/);
  });

  it('reads the runbook\'s clone (and base) from TARGETS instead of the live member in the task definition', () => {
    const env = { ENGINE: 'postgres', OLD_HOST: 'h', OLD_PORT: '5433', OLD_SECRET_ARN: 'a', NEW_SECRET_ARN: 'member-secret', NEW_HOST: 'member.cluster', DATABASE: 'orders', BUCKET: 'b', PREFIX: 'p' };
    const twoWay = readSettings({ ...env, TARGETS: JSON.stringify({ marker: 'CLONE_READY', newHost: 'clone.cluster', newSecretArn: 'clone-secret' }) });
    expect(twoWay).toMatchObject({ newHost: 'clone.cluster', newSecretArn: 'clone-secret' });
    expect(twoWay.base).toBeUndefined();
    const threeWay = readSettings({ ...env, TARGETS: JSON.stringify({ newHost: 'clone.cluster', newSecretArn: 'clone-secret', base: { host: 'base.cluster', secretArn: 'base-secret' } }) });
    expect(threeWay.base).toEqual({ host: 'base.cluster', port: 5433, secretArn: 'base-secret' });
    // Without TARGETS (a task started by hand), the task definition's values apply.
    expect(readSettings(env)).toMatchObject({ newHost: 'member.cluster', newSecretArn: 'member-secret' });
    expect(() => readSettings({ ...env, TARGETS: '{not json' })).toThrow('TARGETS is not JSON');
    expect(() => readSettings({ ...env, TARGETS: JSON.stringify({ newHost: 'clone.cluster' }) })).toThrow('TARGETS.newSecretArn must be a non-empty string');
    expect(() => readSettings({ ...env, TARGETS: JSON.stringify({ newHost: 'c', newSecretArn: 's', base: { host: 'b' } }) })).toThrow('TARGETS.base.secretArn must be a non-empty string');
  });

  it('percent-encodes credentials so any password survives the URL', () => {
    const url = connectionUrl('postgres', { host: 'h.example', port: 5433, database: 'my db' }, { username: 'u@x', password: 'p:/?#[]@!$&\'()*+,;=%' }, '/ca.pem');
    expect(parseConnectionUrl('postgres', url, '--old')).toMatchObject({ user: 'u@x', password: 'p:/?#[]@!$&\'()*+,;=%', database: 'my db', host: 'h.example' });
  });

  it('orders report.json last', () => {
    expect(uploadOrder(['/o/report.json', '/o/a.jsonl', '/o/summary.md'])).toEqual(['/o/a.jsonl', '/o/summary.md', '/o/report.json']);
  });
});

describe('multipart upload', () => {
  const s3 = mockClient(S3Client);
  let dir: string;
  beforeEach(() => {
    s3.reset();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconcile-upload-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('uploads a file larger than a part in parts and completes it', async () => {
    const file = path.join(dir, 'big.jsonl');
    fs.writeFileSync(file, 'x'.repeat(25));
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).callsFake((input: { PartNumber?: number }) => ({ ETag: `etag-${input.PartNumber ?? 0}` }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    await uploadFile(new S3Client({ region: 'us-west-2' }), 'b', 'k/big.jsonl', file, 10);
    expect(s3.commandCalls(UploadPartCommand).map((c) => [c.args[0].input.PartNumber, (c.args[0].input.Body as Uint8Array).length])).toEqual([
      [1, 10],
      [2, 10],
      [3, 5],
    ]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0].args[0].input.MultipartUpload?.Parts).toEqual([
      { PartNumber: 1, ETag: 'etag-1' },
      { PartNumber: 2, ETag: 'etag-2' },
      { PartNumber: 3, ETag: 'etag-3' },
    ]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('aborts the multipart upload when a part fails', async () => {
    const file = path.join(dir, 'big.jsonl');
    fs.writeFileSync(file, 'x'.repeat(25));
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCommand).rejects(new Error('InternalError'));
    s3.on(AbortMultipartUploadCommand).resolves({});
    await expect(uploadFile(new S3Client({ region: 'us-west-2' }), 'b', 'k/big.jsonl', file, 10)).rejects.toThrow('InternalError');
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0].args[0].input).toMatchObject({ Bucket: 'b', Key: 'k/big.jsonl', UploadId: 'up-1' });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});
