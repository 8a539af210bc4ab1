import { PLACEHOLDER_ACCOUNT } from './defaults';

const ACCOUNT_PATTERN = /^\d{12}$/;

/** Which account the templates target, or why none may be chosen. */
export type AccountChoice =
  | { readonly account: string; readonly isPlaceholder: boolean }
  | { readonly mismatch: { readonly configured: string; readonly credentials: string } };

/**
 * Chooses the target account from the configured one and the credentials' one (CDK_DEFAULT_ACCOUNT,
 * read in bin/). A configured account is a guard: credentials of another account stop synth (and so
 * deploy) instead of silently retargeting a prod file. Without either, the placeholder is used
 * (templates for review only). A credentials value that is not 12 digits counts as no credentials.
 */
export function chooseAccount(configured: string | undefined, credentials: string | undefined): AccountChoice {
  const fromCredentials = credentials !== undefined && ACCOUNT_PATTERN.test(credentials) ? credentials : undefined;
  if (configured !== undefined && fromCredentials !== undefined && configured !== fromCredentials) {
    return { mismatch: { configured, credentials: fromCredentials } };
  }
  const account = configured ?? fromCredentials ?? PLACEHOLDER_ACCOUNT;
  return { account, isPlaceholder: account === PLACEHOLDER_ACCOUNT };
}
