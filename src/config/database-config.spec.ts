import { loadDatabaseConfig } from './database-config';
import { ConfigError } from './env-parsers';

describe(loadDatabaseConfig.name, () => {
  it('bounds every database call by default (SPEC §15)', () => {
    expect(loadDatabaseConfig({}).timeouts).toEqual({
      connectMs: 10_000,
      statementMs: 30_000,
      lockMs: 5_000,
      idleInTransactionMs: 60_000,
      queryMs: 35_000,
    });
    expect(loadDatabaseConfig({}).retryAttempts).toBe(3);
  });

  it('reads the DG_DATABASE_* bounds, the client-side answer timeout following the statement timeout', () => {
    const config = loadDatabaseConfig({
      DG_DATABASE_CONNECT_TIMEOUT_MS: '2000',
      DG_DATABASE_STATEMENT_TIMEOUT_MS: '8000',
      DG_DATABASE_LOCK_TIMEOUT_MS: '1000',
      DG_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '20000',
      DG_DATABASE_RETRY_ATTEMPTS: '1',
    });
    expect(config.timeouts).toEqual({
      connectMs: 2000,
      statementMs: 8000,
      lockMs: 1000,
      idleInTransactionMs: 20000,
      queryMs: 13000,
    });
    expect(config.retryAttempts).toBe(1);
  });

  it.each([
    [{ DG_DATABASE_STATEMENT_TIMEOUT_MS: '0' }, 'DG_DATABASE_STATEMENT_TIMEOUT_MS'],
    [{ DG_DATABASE_LOCK_TIMEOUT_MS: 'soon' }, 'DG_DATABASE_LOCK_TIMEOUT_MS'],
    [{ DG_DATABASE_CONNECT_TIMEOUT_MS: '-5' }, 'DG_DATABASE_CONNECT_TIMEOUT_MS'],
    [{ DG_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '99999999999' }, 'DG_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS'],
    [{ DG_DATABASE_RETRY_ATTEMPTS: '0' }, 'DG_DATABASE_RETRY_ATTEMPTS'],
    [{ DG_DATABASE_STATEMENT_TIMEOUT_MS: '1000', DG_DATABASE_LOCK_TIMEOUT_MS: '2000' }, 'DG_DATABASE_LOCK_TIMEOUT_MS'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadDatabaseConfig(env)).toThrow(ConfigError);
    expect(() => loadDatabaseConfig(env)).toThrow(variable);
  });
});
