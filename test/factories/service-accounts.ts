import { hashToken } from '../../src/auth/token-hash';

type AccountSpec = {
  account_id: string;
  roles: string[];
  tenant_ids: string[];
  permissions?: string[];
  tokens: { token: string; expires_at?: string }[];
};

/** DG_SERVICE_ACCOUNTS for a test: plaintext tokens in, only their hashes in the setting. */
export function serviceAccountsEnv(accounts: AccountSpec[]): string {
  return JSON.stringify(
    accounts.map(({ tokens, ...rest }) => ({
      ...rest,
      tokens: tokens.map(({ token, expires_at }) => ({
        hash: hashToken(token),
        ...(expires_at ? { expires_at } : {}),
      })),
    })),
  );
}
