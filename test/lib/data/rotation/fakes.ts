import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type DescribeSecretCommandOutput,
  type GetRandomPasswordCommandInput,
  type GetSecretValueCommandInput,
  type GetSecretValueCommandOutput,
  type PutSecretValueCommandInput,
  type UpdateSecretVersionStageCommandInput,
} from '@aws-sdk/client-secrets-manager';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { DatabaseAdmin, DatabaseLogin, DatabaseSession } from '../../../../lib/data/rotation/runtime/database-admin';

export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:catalog-master-AbCdEf';

type SecretsManagerMock = AwsClientStub<SecretsManagerClient>;

interface Version {
  value?: string;
  readonly stages: Set<string>;
}

const metadata = { $metadata: {} };

/**
 * The parts of Secrets Manager a rotation uses, in memory: versions with staging labels, with the
 * label moves the service performs (AWSPREVIOUS follows the version that loses AWSCURRENT).
 */
export class FakeSecretStore {
  readonly versions = new Map<string, Version>();
  rotationEnabled = true;
  /** Returned by GetRandomPassword, one per call. */
  randomPasswords: string[] = ['Fresh-Generated-Password-0001'];
  readonly randomPasswordRequests: GetRandomPasswordCommandInput[] = [];

  constructor(readonly arn: string = SECRET_ARN) {}

  addVersion(versionId: string, value: Record<string, unknown> | undefined, stages: string[]): void {
    for (const stage of stages) {
      this.detach(stage);
    }
    this.versions.set(versionId, { ...(value !== undefined ? { value: JSON.stringify(value) } : {}), stages: new Set(stages) });
  }

  /** What RotateSecret does before invoking createSecret: a version for the token, staged AWSPENDING, without a value. */
  startRotation(token: string): void {
    this.addVersion(token, undefined, ['AWSPENDING']);
  }

  stagesOf(versionId: string): string[] {
    return [...(this.versions.get(versionId)?.stages ?? [])].sort();
  }

  valueOf(versionId: string): Record<string, unknown> {
    const value = this.versions.get(versionId)?.value;
    if (value === undefined) {
      throw new Error(`version ${versionId} has no value`);
    }
    return JSON.parse(value) as Record<string, unknown>;
  }

  private detach(stage: string): string | undefined {
    for (const [id, version] of this.versions) {
      if (version.stages.delete(stage)) {
        return id;
      }
    }
    return undefined;
  }

  private versionWith(stage: string): string | undefined {
    return [...this.versions].find(([, version]) => version.stages.has(stage))?.[0];
  }

  private notFound(what: string): ResourceNotFoundException {
    return new ResourceNotFoundException({ message: `Secrets Manager can't find the specified secret value for ${what}`, ...metadata });
  }

  describe(): DescribeSecretCommandOutput {
    return {
      ...metadata,
      ARN: this.arn,
      RotationEnabled: this.rotationEnabled,
      VersionIdsToStages: Object.fromEntries([...this.versions].map(([id, version]) => [id, [...version.stages]])),
    };
  }

  getValue(input: GetSecretValueCommandInput): GetSecretValueCommandOutput {
    const stage = input.VersionStage ?? (input.VersionId === undefined ? 'AWSCURRENT' : undefined);
    const id = input.VersionId ?? (stage !== undefined ? this.versionWith(stage) : undefined);
    const version = id !== undefined ? this.versions.get(id) : undefined;
    if (id === undefined || version === undefined || (stage !== undefined && !version.stages.has(stage)) || version.value === undefined) {
      throw this.notFound(`VersionId: ${input.VersionId ?? '-'} VersionStage: ${stage ?? '-'}`);
    }
    return { ...metadata, ARN: this.arn, VersionId: id, SecretString: version.value, VersionStages: [...version.stages] };
  }

  putValue(input: PutSecretValueCommandInput): void {
    const id = input.ClientRequestToken;
    if (id === undefined || input.SecretString === undefined) {
      throw new InvalidParameterException({ message: 'ClientRequestToken and SecretString are required here', ...metadata });
    }
    const existing = this.versions.get(id);
    if (existing?.value !== undefined && existing.value !== input.SecretString) {
      throw new ResourceExistsException({ message: 'A version with this ClientRequestToken already exists with other contents', ...metadata });
    }
    const stages = input.VersionStages ?? ['AWSCURRENT'];
    for (const stage of stages) {
      this.detach(stage);
    }
    this.versions.set(id, { value: input.SecretString, stages: new Set([...(existing?.stages ?? []), ...stages]) });
  }

  updateStage(input: UpdateSecretVersionStageCommandInput): void {
    const stage = input.VersionStage;
    if (stage === undefined || input.MoveToVersionId === undefined || !this.versions.has(input.MoveToVersionId)) {
      throw new InvalidParameterException({ message: 'VersionStage and an existing MoveToVersionId are required here', ...metadata });
    }
    const holder = this.versionWith(stage);
    if (holder !== undefined && holder !== input.MoveToVersionId && holder !== input.RemoveFromVersionId) {
      throw new InvalidParameterException({ message: `The staging label ${stage} is attached to another version; name it in RemoveFromVersionId`, ...metadata });
    }
    this.detach(stage);
    this.versions.get(input.MoveToVersionId)?.stages.add(stage);
    if (stage === 'AWSCURRENT' && holder !== undefined && holder !== input.MoveToVersionId) {
      this.detach('AWSPREVIOUS');
      this.versions.get(holder)?.stages.add('AWSPREVIOUS');
    }
  }

  /** Routes the mocked client's commands to this store. */
  install(mock: SecretsManagerMock): void {
    mock.on(DescribeSecretCommand).callsFake(() => this.describe());
    mock.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) => this.getValue(input));
    mock.on(PutSecretValueCommand).callsFake((input: PutSecretValueCommandInput) => {
      this.putValue(input);
      return { ...metadata, ARN: this.arn, VersionId: input.ClientRequestToken };
    });
    mock.on(UpdateSecretVersionStageCommand).callsFake((input: UpdateSecretVersionStageCommandInput) => {
      this.updateStage(input);
      return { ...metadata, ARN: this.arn };
    });
    mock.on(GetRandomPasswordCommand).callsFake((input: GetRandomPasswordCommandInput) => {
      this.randomPasswordRequests.push(input);
      const password = this.randomPasswords.shift();
      if (password === undefined) {
        throw new Error('the test did not expect another GetRandomPassword call');
      }
      return { ...metadata, RandomPassword: password };
    });
  }
}

export function newSecretsManagerClient(): SecretsManagerClient {
  return new SecretsManagerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

/** Errors shaped like the drivers' (message plus code). */
function driverError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** One database account, as the rotation sees it through DatabaseAdmin. */
export class FakeDatabase implements DatabaseAdmin {
  readonly alters: { username: string; password: string }[] = [];
  readonly loginAttempts: { host: string; username: string; succeeded: boolean }[] = [];
  openSessions = 0;
  unreachable = false;
  pingFails = false;
  alterFails = false;
  /** Makes failing logins echo the password they tried, like a careless driver might. */
  echoPasswordsInErrors = false;

  constructor(
    readonly host: string,
    readonly username: string,
    public password: string,
  ) {}

  async connect(login: DatabaseLogin): Promise<DatabaseSession> {
    if (this.unreachable) {
      throw driverError(`connect ETIMEDOUT ${login.host}:${login.port}`, 'ETIMEDOUT');
    }
    const succeeded = login.host === this.host && login.username === this.username && login.password === this.password;
    this.loginAttempts.push({ host: login.host, username: login.username, succeeded });
    if (!succeeded) {
      const tried = this.echoPasswordsInErrors ? ` (tried password ${login.password})` : '';
      throw driverError(`password authentication failed for user "${login.username}"${tried}`, '28P01');
    }
    this.openSessions += 1;
    return {
      ping: async () => {
        if (this.pingFails) {
          throw driverError('terminating connection due to administrator command', '57P01');
        }
      },
      changePassword: async (username: string, newPassword: string) => {
        if (this.alterFails) {
          throw driverError(`permission denied to alter role; statement: ALTER USER ${username} WITH PASSWORD '${newPassword}'`, '42501');
        }
        this.alters.push({ username, password: newPassword });
        this.password = newPassword;
      },
      close: async () => {
        this.openSessions -= 1;
      },
    };
  }
}
