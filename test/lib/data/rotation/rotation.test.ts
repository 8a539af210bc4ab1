import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { consoleLogger, type Logger, type LogFields } from '../../../../lib/data/rotation/runtime/log';
import {
  EXCLUDED_PASSWORD_CHARACTERS,
  PASSWORD_LENGTH,
  rotate,
  type RotationDependencies,
  type RotationStep,
} from '../../../../lib/data/rotation/runtime/rotation';
import type { SecretEngine } from '../../../../lib/data/rotation/runtime/secret';
import { FakeDatabase, FakeSecretStore, SECRET_ARN, newSecretsManagerClient } from './fakes';

const HOST = 'catalog.global-abc123.global.rds.amazonaws.com';
const USER = 'catalog_admin';
const PREVIOUS_PASSWORD = 'Previous-Password-0000000000000A';
const CURRENT_PASSWORD = 'Current-Password-00000000000000B';
const NEW_PASSWORD = 'Fresh-Generated-Password-0001';
const OLD_VERSION = 'version-current';
const PREVIOUS_VERSION = 'version-previous';
const TOKEN = 'token-0001';

const sm = mockClient(SecretsManagerClient);

function secretValue(password: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { engine: 'mysql', host: HOST, port: 3307, username: USER, password, dbname: 'catalog', ...extra };
}

interface RecordedLog {
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly fields: LogFields;
}

class RecordingLogger implements Logger {
  readonly entries: RecordedLog[] = [];
  info(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'warn', message, fields });
  }
}

interface Fixture {
  readonly store: FakeSecretStore;
  readonly db: FakeDatabase;
  readonly log: RecordingLogger;
  readonly deps: RotationDependencies;
  readonly run: (step: RotationStep, token?: string) => Promise<void>;
}

/** A secret with AWSCURRENT (and AWSPREVIOUS), a rotation started for TOKEN, and the database on the current password. */
function fixture(options: { expectedEngine?: SecretEngine; logger?: Logger } = {}): Fixture {
  const store = new FakeSecretStore();
  store.addVersion(PREVIOUS_VERSION, secretValue(PREVIOUS_PASSWORD), ['AWSPREVIOUS']);
  store.addVersion(OLD_VERSION, secretValue(CURRENT_PASSWORD, { dbClusterIdentifier: 'catalog-eu-west-1' }), ['AWSCURRENT']);
  store.startRotation(TOKEN);
  store.install(sm);
  const db = new FakeDatabase(HOST, USER, CURRENT_PASSWORD);
  const log = new RecordingLogger();
  const deps: RotationDependencies = {
    secretsManager: newSecretsManagerClient(),
    databaseAdmin: () => db,
    expectedEngine: options.expectedEngine ?? 'mysql',
    log: options.logger ?? log,
  };
  const run = (step: RotationStep, token: string = TOKEN) => rotate({ SecretId: SECRET_ARN, ClientRequestToken: token, Step: step }, deps);
  return { store, db, log, deps, run };
}

beforeEach(() => {
  sm.reset();
});

describe('createSecret', () => {
  it('stores a generated password as AWSPENDING and keeps every other key of AWSCURRENT', async () => {
    const { store, run } = fixture();
    await run('createSecret');

    expect(store.stagesOf(TOKEN)).toEqual(['AWSPENDING']);
    expect(store.valueOf(TOKEN)).toEqual({ ...secretValue(NEW_PASSWORD), dbClusterIdentifier: 'catalog-eu-west-1' });
    expect(store.stagesOf(OLD_VERSION)).toEqual(['AWSCURRENT']);
    expect(sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toMatchObject({
      SecretId: SECRET_ARN,
      ClientRequestToken: TOKEN,
      VersionStages: ['AWSPENDING'],
    });
  });

  it('asks for a password without the characters Aurora forbids, quotes, backslashes or spaces', async () => {
    const { store, run } = fixture();
    await run('createSecret');

    expect(store.randomPasswordRequests).toEqual([
      { PasswordLength: PASSWORD_LENGTH, ExcludeCharacters: EXCLUDED_PASSWORD_CHARACTERS, IncludeSpace: false, RequireEachIncludedType: true },
    ]);
    for (const forbidden of ['/', '"', '@', ' ', "'", '\\', '`']) {
      expect(EXCLUDED_PASSWORD_CHARACTERS).toContain(forbidden);
    }
  });

  it('does nothing when run again for the same token', async () => {
    const { store, run } = fixture();
    await run('createSecret');
    await run('createSecret');

    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(1);
    expect(store.randomPasswordRequests).toHaveLength(1);
    expect(store.valueOf(TOKEN).password).toBe(NEW_PASSWORD);
  });

  it('refuses a current version that is not a valid master secret, without quoting it', async () => {
    const { store, run } = fixture();
    store.addVersion(OLD_VERSION, { engine: 'mysql', host: HOST, port: 3307, password: CURRENT_PASSWORD }, ['AWSCURRENT']);
    store.startRotation(TOKEN);

    const error = await run('createSecret').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/AWSCURRENT version .* has no "username" string/);
    expect((error as Error).message).not.toContain(CURRENT_PASSWORD);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
});

describe('setSecret', () => {
  async function created(): Promise<Fixture> {
    const f = fixture();
    await f.run('createSecret');
    return f;
  }

  it('logs in with AWSCURRENT and changes the password to the AWSPENDING one', async () => {
    const { db, log, run } = await created();
    await run('setSecret');

    expect(db.alters).toEqual([{ username: USER, password: NEW_PASSWORD }]);
    expect(db.password).toBe(NEW_PASSWORD);
    expect(db.openSessions).toBe(0);
    expect(log.entries.at(-1)).toMatchObject({ level: 'info', fields: { loggedInWith: 'AWSCURRENT', step: 'setSecret' } });
  });

  it('changes nothing when the AWSPENDING password already works (a retried step)', async () => {
    const { db, run } = await created();
    await run('setSecret');
    await run('setSecret');

    expect(db.alters).toHaveLength(1);
    expect(db.openSessions).toBe(0);
  });

  it('changes nothing and does not log in with another version when the database already has the AWSPENDING password', async () => {
    const { db, run } = await created();
    db.password = NEW_PASSWORD;
    await run('setSecret');

    expect(db.alters).toEqual([]);
    expect(db.loginAttempts).toEqual([{ host: HOST, username: USER, succeeded: true }]);
    const stagesRead = sm.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.VersionStage);
    expect(stagesRead).not.toContain('AWSPREVIOUS');
  });

  it('falls back to AWSPREVIOUS when the AWSCURRENT password does not work', async () => {
    const { db, log, run } = await created();
    db.password = PREVIOUS_PASSWORD;
    await run('setSecret');

    expect(db.alters).toEqual([{ username: USER, password: NEW_PASSWORD }]);
    expect(log.entries.filter((entry) => entry.level === 'warn').map((entry) => entry.message)).toEqual([
      'login with the AWSPENDING version failed',
      'login with the AWSCURRENT version failed',
    ]);
    expect(log.entries.at(-1)?.fields.loggedInWith).toBe('AWSPREVIOUS');
  });

  it('fails when no version can log in', async () => {
    const { db, run } = await created();
    db.password = 'Someone-Else-Changed-It-000000';

    await expect(run('setSecret')).rejects.toThrow(/unable to log in .* with the AWSPENDING, AWSCURRENT or AWSPREVIOUS version/);
    expect(db.alters).toEqual([]);
  });

  it('fails when the database cannot be reached', async () => {
    const { db, run } = await created();
    db.unreachable = true;

    await expect(run('setSecret')).rejects.toThrow(/unable to log in/);
  });

  it('refuses an AWSPENDING version that names another host or user before connecting anywhere', async () => {
    const { store, db, run } = await created();
    store.addVersion(TOKEN, secretValue(NEW_PASSWORD, { host: 'elsewhere.example.com', username: 'root' }), ['AWSPENDING']);

    await expect(run('setSecret')).rejects.toThrow(/AWSPENDING version .* differs from AWSCURRENT in host, username/);
    expect(db.loginAttempts).toEqual([]);
    expect(db.alters).toEqual([]);
  });

  it('reports a failed password change without the passwords', async () => {
    const { db, run } = await created();
    db.alterFails = true;

    const error = await run('setSecret').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^setSecret: 42501: permission denied/);
    expect((error as Error).message).not.toContain(NEW_PASSWORD);
    expect(db.openSessions).toBe(0);
  });
});

describe('testSecret', () => {
  async function set(): Promise<Fixture> {
    const f = fixture();
    await f.run('createSecret');
    await f.run('setSecret');
    return f;
  }

  it('logs in with AWSPENDING and runs SELECT 1', async () => {
    const { db, log, run } = await set();
    await run('testSecret');

    expect(db.loginAttempts.at(-1)).toEqual({ host: HOST, username: USER, succeeded: true });
    expect(db.openSessions).toBe(0);
    expect(log.entries.at(-1)?.message).toBe('the AWSPENDING version logs in and runs SELECT 1');
  });

  it('can run again', async () => {
    const { run } = await set();
    await run('testSecret');
    await expect(run('testSecret')).resolves.toBeUndefined();
  });

  it('propagates a failed login', async () => {
    const { db, run } = await set();
    db.password = CURRENT_PASSWORD;

    await expect(run('testSecret')).rejects.toThrow(/^testSecret: the AWSPENDING version of secret .* cannot log in: 28P01: password authentication failed/);
  });

  it('propagates a failed SELECT 1 and closes the session', async () => {
    const { db, run } = await set();
    db.pingFails = true;

    await expect(run('testSecret')).rejects.toThrow(/^testSecret: SELECT 1 .* failed: 57P01/);
    expect(db.openSessions).toBe(0);
  });
});

describe('finishSecret', () => {
  async function tested(): Promise<Fixture> {
    const f = fixture();
    for (const step of ['createSecret', 'setSecret', 'testSecret'] as const) {
      await f.run(step);
    }
    return f;
  }

  it('moves AWSCURRENT to the new version, removing it from the old one', async () => {
    const { store, run } = await tested();
    await run('finishSecret');

    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: SECRET_ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: TOKEN, RemoveFromVersionId: OLD_VERSION },
    ]);
    expect(store.stagesOf(TOKEN)).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect(store.stagesOf(OLD_VERSION)).toEqual(['AWSPREVIOUS']);
    expect(store.stagesOf(PREVIOUS_VERSION)).toEqual([]);
  });

  it('does nothing when the version is already AWSCURRENT', async () => {
    const { log, run } = await tested();
    await run('finishSecret');
    await run('finishSecret');

    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(1);
    expect(log.entries.at(-1)?.message).toBe('the version is already AWSCURRENT: nothing to do');
  });
});

describe('a whole rotation', () => {
  it('leaves the database and AWSCURRENT on the new password, and a second rotation works too', async () => {
    const { store, db, run } = fixture();
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await run(step);
    }
    expect(db.password).toBe(NEW_PASSWORD);
    expect(store.getValue({ SecretId: SECRET_ARN }).VersionId).toBe(TOKEN);

    store.randomPasswords = ['Second-Generated-Password-0002'];
    store.startRotation('token-0002');
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await run(step, 'token-0002');
    }
    expect(db.password).toBe('Second-Generated-Password-0002');
    expect(store.stagesOf(TOKEN)).toEqual(['AWSPREVIOUS']);
    expect(store.stagesOf('token-0002')).toEqual(['AWSCURRENT', 'AWSPENDING']);
  });
});

describe('event and version validation', () => {
  const steps: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

  it.each(steps)('%s refuses a token that has no version', async (step) => {
    const { db, run } = fixture();
    await expect(run(step, 'token-unknown')).rejects.toThrow(`Secret version token-unknown has no stage for rotation of secret ${SECRET_ARN}`);
    expect(sm.calls().map((call) => call.args[0].constructor.name)).toEqual(['DescribeSecretCommand']);
    expect(db.loginAttempts).toEqual([]);
  });

  it.each(steps)('%s refuses a version that is not staged AWSPENDING', async (step) => {
    const { run } = fixture();
    await expect(run(step, PREVIOUS_VERSION)).rejects.toThrow(`Secret version ${PREVIOUS_VERSION} is not staged AWSPENDING for rotation of secret ${SECRET_ARN}`);
    expect(sm.calls()).toHaveLength(1);
  });

  it('refuses a secret whose rotation is not enabled', async () => {
    const { store, run } = fixture();
    store.rotationEnabled = false;
    await expect(run('createSecret')).rejects.toThrow(`Secret ${SECRET_ARN} is not enabled for rotation`);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it.each([
    [null, 'not an object'],
    [{ ClientRequestToken: TOKEN, Step: 'createSecret' }, 'SecretId is missing'],
    [{ SecretId: SECRET_ARN, Step: 'createSecret' }, 'ClientRequestToken is missing'],
    [{ SecretId: SECRET_ARN, ClientRequestToken: TOKEN, Step: 'rotateEverything' }, 'Step must be one of createSecret, setSecret, testSecret, finishSecret'],
  ])('refuses the malformed event %j', async (event, message) => {
    const { deps } = fixture();
    await expect(rotate(event, deps)).rejects.toThrow(`Invalid rotation event: ${message}`);
    expect(sm.calls()).toHaveLength(0);
  });

  it('refuses a secret of another engine than the function was deployed for', async () => {
    const { run } = fixture({ expectedEngine: 'postgres' });
    await expect(run('createSecret')).rejects.toThrow(/is for engine mysql, but this function rotates postgres/);
  });
});

describe('logging', () => {
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;

  it('never writes a password to the console, on success or failure', async () => {
    const written: string[] = [];
    const spies = consoleMethods.map((method) =>
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        written.push(args.map(String).join(' '));
      }),
    );
    try {
      const { db, run } = fixture({ logger: consoleLogger });
      db.echoPasswordsInErrors = true;
      db.password = PREVIOUS_PASSWORD; // the pending and current logins fail, and their errors echo the passwords
      await run('createSecret');
      await run('setSecret');
      db.password = 'Someone-Else-Changed-It-000000';
      const error = await run('testSecret').then(() => '', (e: unknown) => String(e));
      db.password = NEW_PASSWORD;
      await run('testSecret');
      await run('finishSecret');

      expect(error).toContain('[redacted]');
      expect(written.length).toBeGreaterThan(4);
      for (const line of [...written, error]) {
        for (const password of [PREVIOUS_PASSWORD, CURRENT_PASSWORD, NEW_PASSWORD]) {
          expect(line).not.toContain(password);
        }
      }
      // The redaction is what kept the echoed passwords out.
      expect(written.some((line) => line.includes('[redacted]'))).toBe(true);
      // Each line is a JSON object with the rotation's identifiers.
      expect(JSON.parse(written[0] ?? '')).toMatchObject({ level: 'INFO', secretId: SECRET_ARN, token: TOKEN, step: 'createSecret' });
    } finally {
      for (const spy of spies) {
        spy.mockRestore();
      }
    }
  });
});
