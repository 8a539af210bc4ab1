import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { ENGINE_ENVIRONMENT_VARIABLE, handler } from '../../../../lib/data/rotation/runtime/index';

const sm = mockClient(SecretsManagerClient);

describe('the Lambda entry point', () => {
  const saved = process.env[ENGINE_ENVIRONMENT_VARIABLE];

  afterEach(() => {
    sm.reset();
    if (saved === undefined) {
      delete process.env[ENGINE_ENVIRONMENT_VARIABLE];
    } else {
      process.env[ENGINE_ENVIRONMENT_VARIABLE] = saved;
    }
  });

  it('refuses to run without a valid DATABASE_ENGINE', async () => {
    delete process.env[ENGINE_ENVIRONMENT_VARIABLE];
    await expect(handler({ SecretId: 'x', ClientRequestToken: 't', Step: 'createSecret' })).rejects.toThrow('DATABASE_ENGINE must be mysql or postgres');
    process.env[ENGINE_ENVIRONMENT_VARIABLE] = 'aurora-mysql';
    await expect(handler({ SecretId: 'x', ClientRequestToken: 't', Step: 'createSecret' })).rejects.toThrow('DATABASE_ENGINE must be mysql or postgres');
    expect(sm.calls()).toHaveLength(0);
  });

  it('validates the event before calling Secrets Manager', async () => {
    process.env[ENGINE_ENVIRONMENT_VARIABLE] = 'postgres';
    await expect(handler({ SecretId: 'x', Step: 'createSecret' })).rejects.toThrow('Invalid rotation event: ClientRequestToken is missing');
    expect(sm.calls()).toHaveLength(0);
  });
});
