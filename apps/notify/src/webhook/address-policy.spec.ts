import { classifyAddress, isAddressClassAllowed, STRICT_ADDRESS_POLICY, type AddressClass } from './address-policy';

describe('classifyAddress', () => {
  it.each<[string, AddressClass]>([
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['169.254.170.2', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fc00::1', 'private'],
    ['fdff:ffff::1', 'private'],
    ['2002:0a00:0001::1', 'private'], // 6to4 around 10.0.0.1
    ['0.0.0.0', 'reserved'],
    ['::', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['ff02::1', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.169.0.1', 'public'],
    ['169.253.255.255', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::808:808', 'public'],
    ['not-an-ip', 'invalid'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

describe('isAddressClassAllowed', () => {
  it('allows only public addresses under the strict policy', () => {
    const kinds: AddressClass[] = ['public', 'loopback', 'private', 'link-local', 'metadata', 'reserved', 'invalid'];
    expect(kinds.filter((k) => isAddressClassAllowed(k, STRICT_ADDRESS_POLICY))).toEqual(['public']);
  });

  it('adds loopback, and nothing else, when loopback is allowed', () => {
    const policy = { allowHttp: true, allowLoopback: true };
    const kinds: AddressClass[] = ['public', 'loopback', 'private', 'link-local', 'metadata', 'reserved'];
    expect(kinds.filter((k) => isAddressClassAllowed(k, policy))).toEqual(['public', 'loopback']);
  });
});
