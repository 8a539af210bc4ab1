import { chooseAccount } from '../../../lib/config/account';
import { PLACEHOLDER_ACCOUNT } from '../../../lib/config/defaults';
import { ConfigError, resolveConfig } from '../../../lib/config/resolve';

describe('chooseAccount', () => {
  test('a configured account and credentials of another account: a mismatch naming both', () => {
    expect(chooseAccount('123456789012', '210987654321')).toEqual({ mismatch: { configured: '123456789012', credentials: '210987654321' } });
  });

  test('matching accounts, or only one of them: that account', () => {
    expect(chooseAccount('123456789012', '123456789012')).toEqual({ account: '123456789012', isPlaceholder: false });
    expect(chooseAccount('123456789012', undefined)).toEqual({ account: '123456789012', isPlaceholder: false });
    expect(chooseAccount(undefined, '210987654321')).toEqual({ account: '210987654321', isPlaceholder: false });
  });

  test('neither (review mode): the placeholder; an empty or malformed credentials value counts as none', () => {
    expect(chooseAccount(undefined, undefined)).toEqual({ account: PLACEHOLDER_ACCOUNT, isPlaceholder: true });
    expect(chooseAccount(undefined, '')).toEqual({ account: PLACEHOLDER_ACCOUNT, isPlaceholder: true });
    expect(chooseAccount('123456789012', 'unknown')).toEqual({ account: '123456789012', isPlaceholder: false });
  });
});

describe('resolveConfig account', () => {
  test('credentials of another account are a configuration error naming both', () => {
    let error: unknown;
    try {
      resolveConfig({ account: '123456789012' }, { cliAccount: '210987654321' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]!.key).toBe('account');
    expect(problems[0]!.value).toBe('123456789012');
    expect(problems[0]!.allowed).toContain('210987654321');
  });
});
