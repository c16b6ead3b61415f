import { classifyAddress, resolvePublicAddresses } from './webhook-address';

describe(classifyAddress.name, () => {
  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
  ])('classifies IPv4 %s as %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf:ffff::1', 'link_local'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
  ])('classifies IPv6 %s as %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:10.0.0.1]', 'private'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::192.168.0.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
  ])('judges the IPv4 address inside %s (%s)', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    '8.8.8.8',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:82b::200e',
    '::ffff:8.8.8.8',
    '2002:808:808::1',
  ])('lets the public address %s pass', (address) => {
    expect(classifyAddress(address)).toBe('public');
  });

  it('says nothing about what is not an IP address', () => {
    expect(classifyAddress('example.com')).toBeUndefined();
    expect(classifyAddress('999.1.1.1')).toBeUndefined();
  });
});

describe(resolvePublicAddresses.name, () => {
  it('refuses a name that resolves to loopback and an IP literal that is private', async () => {
    await expect(resolvePublicAddresses('localhost')).resolves.toMatchObject({
      ok: false,
      reason: expect.stringContaining('loopback'),
    });
    await expect(resolvePublicAddresses('[fd00::1]')).resolves.toMatchObject({
      ok: false,
      reason: expect.stringContaining('private'),
    });
  });

  it('accepts a public IP literal without resolving it', async () => {
    await expect(resolvePublicAddresses('93.184.216.34')).resolves.toEqual({
      ok: true,
      addresses: [{ address: '93.184.216.34', family: 4 }],
    });
  });

  it('gives up on a lookup that outlasts its time limit', async () => {
    const dns = jest.requireActual<typeof import('node:dns/promises')>('node:dns/promises');
    const stalled = jest.spyOn(dns, 'lookup').mockImplementation(() => new Promise(() => undefined));
    try {
      await expect(resolvePublicAddresses('slow.example.com', 20)).resolves.toEqual({
        ok: false,
        reason: 'host slow.example.com does not resolve (ETIMEOUT)',
      });
    } finally {
      stalled.mockRestore();
    }
  });

  it('names the kind of a refused address, not the address', async () => {
    const check = await resolvePublicAddresses('127.0.0.1');
    expect(check).toEqual({ ok: false, reason: 'host 127.0.0.1 resolves to a loopback address' });
  });

  it('refuses a name that does not resolve', async () => {
    await expect(resolvePublicAddresses('no-such-host.invalid')).resolves.toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not resolve'),
    });
  });
});
