import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { safeErrorMessage, type DatabaseAdmin, type DatabaseLogin, type DatabaseSession } from './database-admin';
import type { Logger } from './log';
import { parseDatabaseSecret, type DatabaseSecret, type SecretEngine } from './secret';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** The event Secrets Manager sends to a rotation function. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
}

/**
 * Left out of generated passwords: Aurora refuses / " @ and space in master passwords; ' \ and `
 * are avoided so the password needs no escaping in SQL or shells (the same set as the secret's
 * initial generation in lib/data/global-database.ts). SQL is still quoted by the drivers.
 */
export const EXCLUDED_PASSWORD_CHARACTERS = '/"@ \'\\`';
export const PASSWORD_LENGTH = 32;

type Stage = 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS';

export interface RotationDependencies {
  readonly secretsManager: SecretsManagerClient;
  /** The database access for a secret's engine; real drivers in the function, fakes in unit tests. */
  readonly databaseAdmin: (engine: SecretEngine) => DatabaseAdmin;
  /** The engine the function was deployed for: a secret of another engine is refused. */
  readonly expectedEngine: SecretEngine;
  readonly log: Logger;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Checks the event's shape; the message names the bad field, never its value. */
export function parseRotationEvent(event: unknown): RotationEvent {
  if (typeof event !== 'object' || event === null) {
    throw new Error('Invalid rotation event: not an object');
  }
  const { SecretId, ClientRequestToken, Step } = event as Record<string, unknown>;
  if (!nonEmptyString(SecretId)) {
    throw new Error('Invalid rotation event: SecretId is missing');
  }
  if (!nonEmptyString(ClientRequestToken)) {
    throw new Error('Invalid rotation event: ClientRequestToken is missing');
  }
  if (typeof Step !== 'string' || !(ROTATION_STEPS as readonly string[]).includes(Step)) {
    throw new Error(`Invalid rotation event: Step must be one of ${ROTATION_STEPS.join(', ')}`);
  }
  return { SecretId, ClientRequestToken, Step: Step as RotationStep };
}

function isResourceNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === 'ResourceNotFoundException';
}

function loginOf(secret: DatabaseSecret): DatabaseLogin {
  return {
    host: secret.host,
    port: secret.port,
    username: secret.username,
    password: secret.password,
    ...(secret.dbname !== undefined ? { dbname: secret.dbname } : {}),
  };
}

/** One invocation: one step of one rotation (secret + token). */
class Rotation {
  private readonly fields: Readonly<Record<string, string>>;

  constructor(
    private readonly deps: RotationDependencies,
    private readonly secretId: string,
    private readonly token: string,
    step: RotationStep,
  ) {
    this.fields = { secretId, token, step };
  }

  private info(message: string, extra: Readonly<Record<string, string>> = {}): void {
    this.deps.log.info(message, { ...this.fields, ...extra });
  }

  /**
   * The checks every step starts with (the rotation contract): rotation is enabled and the token's
   * version is staged AWSPENDING. Returns false when the version is already AWSCURRENT, which makes
   * a repeated invocation after a completed rotation a no-op.
   */
  async validate(): Promise<{ proceed: boolean; currentVersionId?: string }> {
    const description = await this.deps.secretsManager.send(new DescribeSecretCommand({ SecretId: this.secretId }));
    if (description.RotationEnabled !== true) {
      throw new Error(`Secret ${this.secretId} is not enabled for rotation`);
    }
    const versions = description.VersionIdsToStages ?? {};
    const stages = versions[this.token];
    if (stages === undefined) {
      throw new Error(`Secret version ${this.token} has no stage for rotation of secret ${this.secretId}`);
    }
    if (stages.includes('AWSCURRENT')) {
      this.info('the version is already AWSCURRENT: nothing to do');
      return { proceed: false };
    }
    if (!stages.includes('AWSPENDING')) {
      throw new Error(`Secret version ${this.token} is not staged AWSPENDING for rotation of secret ${this.secretId}`);
    }
    const currentVersionId = Object.entries(versions).find(([, versionStages]) => versionStages.includes('AWSCURRENT'))?.[0];
    return { proceed: true, ...(currentVersionId !== undefined ? { currentVersionId } : {}) };
  }

  private async secretVersion(stage: Stage, versionId?: string): Promise<DatabaseSecret> {
    const value = await this.deps.secretsManager.send(
      new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: stage, ...(versionId !== undefined ? { VersionId: versionId } : {}) }),
    );
    const secret = parseDatabaseSecret(value.SecretString, `the ${stage} version of secret ${this.secretId}`);
    if (secret.engine !== this.deps.expectedEngine) {
      throw new Error(`the ${stage} version of secret ${this.secretId} is for engine ${secret.engine}, but this function rotates ${this.deps.expectedEngine}`);
    }
    return secret;
  }

  private async optionalSecretVersion(stage: Stage): Promise<DatabaseSecret | undefined> {
    try {
      return await this.secretVersion(stage);
    } catch (error) {
      if (isResourceNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  }

  /** A session, or undefined (logged with the reason) when the login fails. */
  private async tryLogin(admin: DatabaseAdmin, secret: DatabaseSecret, stage: Stage): Promise<DatabaseSession | undefined> {
    try {
      return await admin.connect(loginOf(secret));
    } catch (error) {
      this.deps.log.warn(`login with the ${stage} version failed`, { ...this.fields, reason: safeErrorMessage(error, [secret.password]) });
      return undefined;
    }
  }

  /** The pending version must name the same account; otherwise a password would be changed for, or sent to, the wrong server. */
  private assertSameAccount(pending: DatabaseSecret, other: DatabaseSecret, stage: Stage): void {
    const differing = (['engine', 'host', 'port', 'username'] as const).filter((key) => pending[key] !== other[key]);
    if (differing.length > 0) {
      throw new Error(`the AWSPENDING version of secret ${this.secretId} differs from ${stage} in ${differing.join(', ')}; single-user rotation changes only the password`);
    }
  }

  async createSecret(): Promise<void> {
    const current = await this.secretVersion('AWSCURRENT');
    try {
      await this.deps.secretsManager.send(new GetSecretValueCommand({ SecretId: this.secretId, VersionId: this.token, VersionStage: 'AWSPENDING' }));
      this.info('the AWSPENDING version already has a value');
      return;
    } catch (error) {
      if (!isResourceNotFound(error)) {
        throw error;
      }
    }
    const { RandomPassword } = await this.deps.secretsManager.send(
      new GetRandomPasswordCommand({
        PasswordLength: PASSWORD_LENGTH,
        ExcludeCharacters: EXCLUDED_PASSWORD_CHARACTERS,
        IncludeSpace: false,
        RequireEachIncludedType: true,
      }),
    );
    if (!nonEmptyString(RandomPassword)) {
      throw new Error('GetRandomPassword returned no password');
    }
    // Every other key (host, port, dbname, anything added later) is carried over unchanged.
    await this.deps.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: this.secretId,
        ClientRequestToken: this.token,
        SecretString: JSON.stringify({ ...current.fields, password: RandomPassword }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    this.info('stored a new password as the AWSPENDING version');
  }

  async setSecret(): Promise<void> {
    const pending = await this.secretVersion('AWSPENDING', this.token);
    const current = await this.secretVersion('AWSCURRENT');
    // Checked before any connection, so no login goes to a server the current secret does not name.
    this.assertSameAccount(pending, current, 'AWSCURRENT');
    const admin = this.deps.databaseAdmin(pending.engine);

    // Already set by an earlier attempt: changing it again would gain nothing.
    const pendingSession = await this.tryLogin(admin, pending, 'AWSPENDING');
    if (pendingSession !== undefined) {
      await pendingSession.close();
      this.info('the AWSPENDING password already works: nothing to set');
      return;
    }

    let session = await this.tryLogin(admin, current, 'AWSCURRENT');
    let loggedInWith: Stage = 'AWSCURRENT';
    const known = [pending.password, current.password];
    if (session === undefined) {
      // An earlier rotation may have set the database and failed before finishSecret.
      const previous = await this.optionalSecretVersion('AWSPREVIOUS');
      if (previous !== undefined) {
        known.push(previous.password);
        this.assertSameAccount(pending, previous, 'AWSPREVIOUS');
        session = await this.tryLogin(admin, previous, 'AWSPREVIOUS');
        loggedInWith = 'AWSPREVIOUS';
      }
    }
    if (session === undefined) {
      throw new Error(`setSecret: unable to log in to the database of secret ${this.secretId} with the AWSPENDING, AWSCURRENT or AWSPREVIOUS version`);
    }
    try {
      await session.changePassword(pending.username, pending.password);
    } catch (error) {
      throw new Error(`setSecret: ${safeErrorMessage(error, known)}`);
    } finally {
      await session.close();
    }
    this.info('set the AWSPENDING password in the database', { loggedInWith });
  }

  async testSecret(): Promise<void> {
    const pending = await this.secretVersion('AWSPENDING', this.token);
    const admin = this.deps.databaseAdmin(pending.engine);
    let session: DatabaseSession;
    try {
      session = await admin.connect(loginOf(pending));
    } catch (error) {
      throw new Error(`testSecret: the AWSPENDING version of secret ${this.secretId} cannot log in: ${safeErrorMessage(error, [pending.password])}`);
    }
    try {
      await session.ping();
    } catch (error) {
      throw new Error(`testSecret: SELECT 1 with the AWSPENDING version of secret ${this.secretId} failed: ${safeErrorMessage(error, [pending.password])}`);
    } finally {
      await session.close();
    }
    this.info('the AWSPENDING version logs in and runs SELECT 1');
  }

  async finishSecret(currentVersionId: string | undefined): Promise<void> {
    // Secrets Manager moves AWSPREVIOUS to the version that loses AWSCURRENT.
    await this.deps.secretsManager.send(
      new UpdateSecretVersionStageCommand({
        SecretId: this.secretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: this.token,
        ...(currentVersionId !== undefined ? { RemoveFromVersionId: currentVersionId } : {}),
      }),
    );
    this.info('moved AWSCURRENT to the new version', currentVersionId !== undefined ? { previousVersion: currentVersionId } : {});
  }
}

/**
 * Runs one step of a single-user rotation of an Aurora master secret, as the Secrets Manager
 * rotation contract defines the four steps. Every step may be invoked again (Secrets Manager
 * retries) and then does nothing it has already done.
 */
export async function rotate(event: unknown, deps: RotationDependencies): Promise<void> {
  const { SecretId, ClientRequestToken, Step } = parseRotationEvent(event);
  const rotation = new Rotation(deps, SecretId, ClientRequestToken, Step);
  const { proceed, currentVersionId } = await rotation.validate();
  if (!proceed) {
    return;
  }
  switch (Step) {
    case 'createSecret':
      return rotation.createSecret();
    case 'setSecret':
      return rotation.setSecret();
    case 'testSecret':
      return rotation.testSecret();
    case 'finishSecret':
      return rotation.finishSecret(currentVersionId);
  }
}
