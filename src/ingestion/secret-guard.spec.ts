import { DomainError } from '../common/error-codes';
import { assertNoSecrets, findSecret, looksLikeCredential } from './secret-guard';

// Fake credentials, assembled so that no scanner mistakes this file for a leak.
const fake = {
  jwt: ['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxMjMifQ', 'c2lnbmF0dXJl'].join('.'),
  slack: ['xoxb', '123456789012', '1234567890123', 'AbCdEfGhIjKlMnOp'].join('-'),
  openAi: `sk-${'proj_Ab12Cd34Ef56Gh78Ij90'}`,
  github: `ghp_${'a1B2c3D4e5F6g7H8i9J0'.repeat(2)}`,
  aws: `AKIA${'IOSFODNN7EXAMPLE'}`,
  awsSession: `ASIA${'Y34FZKBOKMUTVV7A'}`,
};

describe(looksLikeCredential.name, () => {
  it.each([
    ['a bearer token', `Authorization: Bearer ${fake.jwt}`],
    ['a bearer token in lower case', `bearer ${fake.jwt}`],
    ['a hyphenated bearer token', 'BEARER dev-writer-token'],
    ['a Slack bot token', fake.slack],
    ['a Slack user token', `token is xoxp-${'1234567890-abcdef'}`],
    ['an sk- key', `use ${fake.openAi} for the call`],
    ['a GitHub token', fake.github],
    ['a GitHub OAuth token', `gho_${'Z'.repeat(36)}`],
    ['a short bearer token', 'Authorization: Bearer abc123token'],
    ['a short GitHub token', 'ghp_1234567890abcdefghij'],
    ['a short Slack token', 'xoxb-1234-5678'],
    ['an RSA private key header', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow...'],
    ['a PKCS#8 private key header', 'x-----BEGIN PRIVATE KEY-----'],
    ['an OpenSSH private key header', '-----BEGIN OPENSSH PRIVATE KEY-----'],
    ['an AWS access key id', `key ${fake.aws}`],
    ['an AWS session key id', fake.awsSession],
    ['an AWS key after an underscore', `aws_key_${fake.aws}`],
    ['an api_key assignment', 'api_key=abc123'],
    ['an apikey assignment with spaces', 'APIKEY = abc123'],
    ['a password assignment', 'user=bob password=hunter2'],
    ['a quoted passwd assignment', `passwd="hunter2"`],
    ['a secret assignment', 'Secret=s3cr3t'],
    ['a client_secret query parameter', 'https://x.test/cb?client_secret=abc'],
    ['a token assignment', 'token=abc'],
    ['an access_token query parameter', 'https://x.test/?access_token=abc&page=2'],
  ])('catches %s', (_name, text) => {
    expect(looksLikeCredential(text)).toBe(true);
  });

  it.each([
    'task-7',
    'task-7f3a9b2c4d5e6f7a8b9c0d1e2f3a4b5c',
    'risk-score',
    'desk-12',
    'Asia',
    'ASIA-pacific',
    'ASIA',
    'the token was rotated',
    'password reset requested',
    'sk-short',
    'Bearer of bad news',
    'Bearer internationalization',
    'password=',
    'token = ',
    'tokenizer=bpe',
    'mytoken=abc',
    `${fake.aws}X`,
    'AKIAshortkey',
    'xoxb-',
    'ghp_short',
    '-----BEGIN PUBLIC KEY-----',
    'BEGIN PRIVATE KEY',
  ])('passes %p', (text) => {
    expect(looksLikeCredential(text)).toBe(false);
  });
});

describe(findSecret.name, () => {
  it('returns the path of the first string with a credential, depth first in document order', () => {
    const payload = { a: 'fine', b: [{ c: 'fine' }, { d: `Bearer ${fake.jwt}` }], e: 'token=abc' };
    expect(findSecret(payload, '$.payload')).toBe('$.payload.b[1].d');
  });

  it('looks at a string given directly', () => {
    expect(findSecret('password=hunter2', '$.idempotency_key')).toBe('$.idempotency_key');
  });

  it('does not look at object keys', () => {
    expect(findSecret({ 'password=hunter2': 'x' }, '$')).toBeUndefined();
  });

  it('writes odd keys in brackets in the path', () => {
    expect(findSecret({ 'odd key': ['x', fake.github] }, '$.payload')).toBe('$.payload["odd key"][1]');
  });

  it('ignores numbers, booleans and null', () => {
    expect(findSecret({ a: 1, b: true, c: null, d: ['fine'] }, '$')).toBeUndefined();
  });
});

describe(assertNoSecrets.name, () => {
  it('throws pii_policy_violation naming the path, without the secret', () => {
    const secret = `Bearer ${fake.jwt}`;
    let error: unknown;
    try {
      assertNoSecrets([
        ['$.tags', ['ok']],
        ['$.actor', { actor_id: secret, actor_type: 'agent' }],
      ]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'pii_policy_violation',
      message: 'Value at $.actor.actor_id looks like a credential; secrets must not be sent to the decision log',
      details: { path: '$.actor.actor_id' },
    });
    expect(JSON.stringify({ ...(error as DomainError), message: (error as DomainError).message })).not.toContain(
      fake.jwt,
    );
  });

  it('checks the fields in the order given', () => {
    expect(() =>
      assertNoSecrets([
        ['$.a', 'token=1'],
        ['$.b', 'token=2'],
      ]),
    ).toThrow('Value at $.a ');
  });

  it('passes fields without credentials', () => {
    expect(() =>
      assertNoSecrets([
        ['$.payload', { note: 'the token was rotated' }],
        ['$.correlation_id', null],
      ]),
    ).not.toThrow();
  });
});
