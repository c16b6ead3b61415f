import { readFileSync } from 'node:fs';
import { ConfigError, Env, readString } from './env-parsers';

export const ROLES = ['reader', 'writer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'workflow_review',
  'workflow_assign',
  'workflow_escalate',
  'workflow_override',
  'workflow_export',
  'projection_replay',
  'projection_rebuild',
  'webhook_manage',
  'policy_manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type TokenHash = { hash: string; expiresAt: Date | null };

export type ServiceAccount = {
  accountId: string;
  roles: Role[];
  tenantIds: string[];
  permissions: string[];
  tokens: TokenHash[];
};

export type ServiceAccountsConfig = { accounts: ServiceAccount[]; developmentDefaults: boolean };

const HASH = /^sha256:[0-9a-f]{64}$/;

/**
 * The development accounts of SPEC §4. Only the hashes of `dev-<role>-token` are kept here, so
 * the plaintext tokens exist nowhere in the running service.
 */
const DEV_ACCOUNTS: ServiceAccount[] = [
  devAccount('reader', [], '47beeb95da92ee9485a13c613b44b1dd7ff064c2c2815902e1c2e6d765b3c8ad'),
  devAccount(
    'writer',
    ['workflow_assign', 'workflow_review'],
    '004153a78f8d85edcab70a5b5050419909049d904e8785dac21a571573b8364e',
  ),
  devAccount('admin', ['*'], '1734d503f6aa6a047c36d113cbad769f719c93784b469b771c4c3e7c63adbefd'),
];

function devAccount(role: Role, permissions: string[], hex: string): ServiceAccount {
  return {
    accountId: `dev-${role}`,
    roles: [role],
    tenantIds: ['*'],
    permissions,
    tokens: [{ hash: `sha256:${hex}`, expiresAt: null }],
  };
}

/**
 * Service accounts come from DG_SERVICE_ACCOUNTS (a JSON array) or the file named by
 * DG_SERVICE_ACCOUNTS_FILE. With neither, development mode gets the dev accounts and production
 * refuses to start.
 */
export function loadServiceAccounts(env: Env, production: boolean): ServiceAccountsConfig {
  const inline = readString(env, 'DG_SERVICE_ACCOUNTS');
  const file = readString(env, 'DG_SERVICE_ACCOUNTS_FILE');
  if (inline && file) {
    throw new ConfigError('DG_SERVICE_ACCOUNTS_FILE', 'cannot be combined with DG_SERVICE_ACCOUNTS; set only one');
  }
  if (inline) return { accounts: parseAccounts('DG_SERVICE_ACCOUNTS', inline), developmentDefaults: false };
  if (file)
    return { accounts: parseAccounts('DG_SERVICE_ACCOUNTS_FILE', readAccountsFile(file)), developmentDefaults: false };
  if (production) {
    throw new ConfigError(
      'DG_SERVICE_ACCOUNTS',
      'is required when NODE_ENV=production (or set DG_SERVICE_ACCOUNTS_FILE); the development accounts are never created in production',
    );
  }
  return { accounts: DEV_ACCOUNTS, developmentDefaults: true };
}

function readAccountsFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      'DG_SERVICE_ACCOUNTS_FILE',
      `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}): ${path}`,
    );
  }
}

function parseAccounts(variable: string, text: string): ServiceAccount[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(variable, 'is not valid JSON');
  }
  if (!Array.isArray(value) || value.length === 0)
    throw new ConfigError(variable, 'must be a non-empty JSON array of accounts');
  const seen = new Set<string>();
  return value.map((entry, i) => {
    const account = parseAccount(variable, `[${i}]`, entry);
    if (seen.has(account.accountId))
      throw new ConfigError(variable, `[${i}].account_id "${account.accountId}" is declared twice`);
    seen.add(account.accountId);
    return account;
  });
}

function parseAccount(variable: string, at: string, entry: unknown): ServiceAccount {
  const fail = (problem: string): never => {
    throw new ConfigError(variable, `${at}${problem}`);
  };
  if (!isObject(entry)) return fail(' must be an object');
  const accountId = entry.account_id;
  if (typeof accountId !== 'string' || accountId.trim() === '') fail('.account_id must be a non-blank string');
  const roles = stringArray(entry.roles) ?? fail('.roles must be an array of strings');
  for (const role of roles) if (!(ROLES as readonly string[]).includes(role)) fail(`.roles has unknown role "${role}"`);
  const tenantIds = stringArray(entry.tenant_ids) ?? fail('.tenant_ids must be an array of strings');
  const permissions = stringArray(entry.permissions ?? []) ?? fail('.permissions must be an array of strings');
  for (const p of permissions)
    if (p !== '*' && !(PERMISSIONS as readonly string[]).includes(p))
      fail(`.permissions has unknown permission "${p}"`);
  if (!Array.isArray(entry.tokens) || entry.tokens.length === 0) fail('.tokens must be a non-empty array');
  const tokens = (entry.tokens as unknown[]).map((t, j) => parseToken(t, (problem) => fail(`.tokens[${j}]${problem}`)));
  return { accountId: String(accountId).trim(), roles: roles as Role[], tenantIds, permissions, tokens };
}

function parseToken(token: unknown, fail: (problem: string) => never): TokenHash {
  if (!isObject(token)) return fail(' must be an object');
  if (typeof token.hash !== 'string' || !HASH.test(token.hash)) {
    fail('.hash must be "sha256:" followed by 64 lower-case hex digits (plaintext tokens are not accepted)');
  }
  let expiresAt: Date | null = null;
  if (token.expires_at !== undefined && token.expires_at !== null) {
    const when = typeof token.expires_at === 'string' ? new Date(token.expires_at) : new Date(NaN);
    if (Number.isNaN(when.getTime())) fail('.expires_at must be an RFC 3339 timestamp');
    expiresAt = when;
  }
  return { hash: String(token.hash), expiresAt };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}
