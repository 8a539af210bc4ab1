import { ConfigError, resolveConfig } from '../../../lib/config/resolve';

describe('canary configuration', () => {
  test('the order canary runs rarely by default: hourly in dev, every 15 minutes in prod', () => {
    expect(resolveConfig({}).observability).toEqual({ canaryIntervalMinutes: 30, orderCanaryIntervalMinutes: 60 });
    expect(resolveConfig({ profile: 'prod' }).observability).toEqual({ canaryIntervalMinutes: 5, orderCanaryIntervalMinutes: 15 });
  });

  test('both intervals can be set', () => {
    expect(resolveConfig({ canaryIntervalMinutes: 2, orderCanaryIntervalMinutes: 45 }).observability).toEqual({ canaryIntervalMinutes: 2, orderCanaryIntervalMinutes: 45 });
  });

  test('a bad order canary interval names the key, the value and the range, with every other problem', () => {
    let error: unknown;
    try {
      resolveConfig({ orderCanaryIntervalMinutes: 0, canaryIntervalMinutes: 'often' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(expect.arrayContaining([
      { key: 'orderCanaryIntervalMinutes', value: 0, allowed: 'must be an integer from 1 to 60' },
      { key: 'canaryIntervalMinutes', value: 'often', allowed: 'must be an integer from 1 to 60' },
    ]));
  });
});
