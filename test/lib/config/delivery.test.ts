import { ConfigError, resolveConfig } from '../../../lib/config/resolve';

const CONNECTION = 'arn:aws:codeconnections:us-east-1:123456789012:connection/0123abcd-4567-89ab-cdef-0123456789ab';

function problemsOf(input: unknown): string[] {
  try {
    resolveConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems.map((p) => `${p.key}: ${p.allowed}`);
    }
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('pipeline settings', () => {
  test('absent: no pipeline in the resolved configuration', () => {
    expect(resolveConfig({}).pipeline).toBeUndefined();
  });

  test('defaults the branch and a bake long enough for the Region impaired alarm to fire', () => {
    // dev canaries run every 30 minutes and the alarm needs two failed runs: 60 minutes.
    expect(resolveConfig({ pipeline: { connectionArn: CONNECTION, repository: 'acme/retail' } }).pipeline)
      .toEqual({ connectionArn: CONNECTION, repository: 'acme/retail', branch: 'main', bakeMinutes: 60 });
    expect(resolveConfig({ profile: 'prod', pipeline: { connectionArn: CONNECTION, repository: 'acme/retail' } }).pipeline?.bakeMinutes).toBe(30);
  });

  test('fails when the connection and repository are missing or malformed, all at once', () => {
    expect(problemsOf({ pipeline: { branch: '../x', bakeMinutes: 0 } })).toEqual([
      expect.stringMatching(/^pipeline.connectionArn: is required/),
      expect.stringMatching(/^pipeline.repository: is required/),
      expect.stringMatching(/^pipeline.branch: must be a branch name/),
      expect.stringMatching(/^pipeline.bakeMinutes: must be an integer from 1 to 420/),
    ]);
    expect(problemsOf({ pipeline: { connectionArn: 'arn:aws:iam::123456789012:role/x', repository: 'no-owner', extra: 1 } })).toEqual([
      expect.stringMatching(/^pipeline.extra: unknown key/),
      expect.stringMatching(/^pipeline.connectionArn: must be a CodeConnections connection ARN/),
      expect.stringMatching(/^pipeline.repository: must be "owner\/name"/),
    ]);
  });

  test('fails when the bake is shorter than the alarm needs to fire, naming the minimum', () => {
    expect(problemsOf({ profile: 'prod', pipeline: { connectionArn: CONNECTION, repository: 'a/b', bakeMinutes: 9 } }))
      .toEqual([expect.stringMatching(/^pipeline.bakeMinutes: must be at least 10: .*2 failed canary runs 5 minutes apart/)]);
  });
});

describe('Region switch settings', () => {
  test('absent or disabled: no plans', () => {
    expect(resolveConfig({}).regionSwitch).toBeUndefined();
    expect(resolveConfig({ regionSwitch: { enabled: false } }).regionSwitch).toBeUndefined();
  });

  test('approval defaults to on in prod and off in dev', () => {
    expect(resolveConfig({ regionSwitch: { enabled: true } }).regionSwitch).toEqual({ approval: false });
    expect(resolveConfig({ profile: 'prod', regionSwitch: { enabled: true } }).regionSwitch).toEqual({ approval: true });
    expect(resolveConfig({ profile: 'prod', regionSwitch: { enabled: true, approval: false } }).regionSwitch).toEqual({ approval: false });
  });

  test('fails on a missing or non-boolean enabled and an approval without plans', () => {
    expect(problemsOf({ regionSwitch: { approval: 'yes' } })).toEqual([
      expect.stringMatching(/^regionSwitch.enabled: is required/),
      expect.stringMatching(/^regionSwitch.approval: must be true or false/),
    ]);
    expect(problemsOf({ regionSwitch: { enabled: false, approval: true } })).toEqual([
      expect.stringMatching(/^regionSwitch.approval: is only used with regionSwitch.enabled true/),
    ]);
  });
});
