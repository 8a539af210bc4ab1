import { ConfigError, resolveConfig } from '../../../lib/config/resolve';

const ONCALL = 'arn:aws:iam::123456789012:role/oncall';
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
    expect(resolveConfig({ regionSwitch: { enabled: true } }).regionSwitch).toEqual({ approval: false, approvers: [] });
    expect(resolveConfig({ profile: 'prod', runbooks: { approvers: [ONCALL] }, regionSwitch: { enabled: true } }).regionSwitch).toEqual({ approval: true, approvers: [ONCALL] });
    expect(resolveConfig({ profile: 'prod', regionSwitch: { enabled: true, approval: false } }).regionSwitch).toEqual({ approval: false, approvers: [] });
  });

  test('the plans\' approvers are the runbooks\' approvers, also when only the plans ask for approval', () => {
    expect(resolveConfig({ runbooks: { requireApproval: true, approvers: [ONCALL, 'alice'] }, regionSwitch: { enabled: true, approval: true } }).regionSwitch)
      .toEqual({ approval: true, approvers: [ONCALL, 'alice'] });
    const onlyPlans = resolveConfig({ runbooks: { requireApproval: false, approvers: ['alice'] }, regionSwitch: { enabled: true, approval: true } });
    expect([onlyPlans.runbooks, onlyPlans.regionSwitch]).toEqual([{ requireApproval: false, approvers: ['alice'] }, { approval: true, approvers: ['alice'] }]);
  });

  test('approval without runbooks.approvers fails, naming the setting and what is allowed', () => {
    const required = /^runbooks\.approvers: is required with regionSwitch\.approval true \(the default with profile "prod"\): 1 to 10 IAM user names or IAM user or role ARNs/;
    expect(problemsOf({ profile: 'prod', regionSwitch: { enabled: true } })).toEqual([expect.stringMatching(required)]);
    expect(problemsOf({ runbooks: { requireApproval: true }, regionSwitch: { enabled: true, approval: true } })).toEqual([expect.stringMatching(required)]);
  });

  test('approvers with neither approval step still fail', () => {
    expect(problemsOf({ runbooks: { requireApproval: false, approvers: ['alice'] }, regionSwitch: { enabled: true, approval: false } })).toEqual([
      expect.stringMatching(/^runbooks\.approvers: is only used with runbooks\.requireApproval true or regionSwitch\.approval true$/),
    ]);
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
