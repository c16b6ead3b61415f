import { ConfigError } from './env-parsers';
import { readTrustProxy } from './trust-proxy';

describe(readTrustProxy.name, () => {
  it.each([
    [undefined, false],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    ['10.0.0.0/8, 192.168.1.7,fd00::/8', ['10.0.0.0/8', '192.168.1.7', 'fd00::/8']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ])('reads %j as %j', (value, expected) => {
    expect(readTrustProxy({ DG_TRUST_PROXY: value })).toEqual(expected);
  });

  it.each(['true', 'yes', '11', '10.0.0.0/33', 'fd00::/129', '10.0.0/8', 'proxy.internal', '1.2.3.4/8/8', '10.0.0.1,'])(
    'refuses %j, naming the variable',
    (value) => {
      expect(() => readTrustProxy({ DG_TRUST_PROXY: value })).toThrow(ConfigError);
      expect(() => readTrustProxy({ DG_TRUST_PROXY: value })).toThrow('DG_TRUST_PROXY');
    },
  );
});
