import { createSession, decodeTokenClaims, displayUser, isExpired, TOKEN_STORAGE_KEY, tokenFromFragment, type TokenStorage } from './auth';
import { base64Url, memoryStorage, unsignedJwt } from './test-fixtures';

const jwt = (payload: object) => unsignedJwt(payload, { alg: 'HS256' });

describe('tokenFromFragment', () => {
  it('reads the token of the sign-in URL', () => {
    expect(tokenFromFragment('#token=eyJ.eyJ.sig')).toBe('eyJ.eyJ.sig');
    expect(tokenFromFragment('#a=1&token=abc')).toBe('abc');
  });

  it('finds none in a route or an empty token', () => {
    expect(tokenFromFragment('#/images/token=x')).toBeUndefined();
    expect(tokenFromFragment('#/')).toBeUndefined();
    expect(tokenFromFragment('#token=')).toBeUndefined();
    expect(tokenFromFragment('')).toBeUndefined();
  });
});

describe('decodeTokenClaims', () => {
  it('reads sub and exp, UTF-8 included', () => {
    expect(decodeTokenClaims(jwt({ sub: 'zoë', exp: 1700000000, iat: 1 }))).toEqual({ sub: 'zoë', exp: 1700000000 });
  });

  it('ignores claims of the wrong type', () => {
    expect(decodeTokenClaims(jwt({ sub: 42, exp: 'soon' }))).toEqual({});
  });

  it('is undefined for what is not a JWT', () => {
    expect(decodeTokenClaims('opaque-token')).toBeUndefined();
    expect(decodeTokenClaims('a.!!!.c')).toBeUndefined();
    expect(decodeTokenClaims(`a.${base64Url('[1]')}.c`)).toBeUndefined();
  });
});

describe('isExpired', () => {
  it('compares exp (seconds) with now (milliseconds)', () => {
    expect(isExpired({ exp: 100 }, 100_000)).toBe(true);
    expect(isExpired({ exp: 101 }, 100_000)).toBe(false);
    expect(isExpired({}, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});

describe('createSession', () => {
  it('keeps the token under imgpipe.token until sign-out', () => {
    const storage = memoryStorage();
    const session = createSession(storage);

    session.signIn('t1');
    expect(storage.items.get(TOKEN_STORAGE_KEY)).toBe('t1');
    expect(createSession(storage).token()).toBe('t1');

    session.signOut();
    expect(session.token()).toBeNull();
    expect(storage.items.has('imgpipe.token')).toBe(false);
  });

  it('keeps the token in memory when storage throws', () => {
    const broken: TokenStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const session = createSession(broken);

    session.signIn('t2');
    expect(session.token()).toBe('t2');
    session.signOut();
    expect(session.token()).toBeNull();
  });
});

describe('displayUser', () => {
  it('shows the email of an ID token, else the subject', () => {
    expect(displayUser(decodeTokenClaims(jwt({ sub: 'f81d4fae', email: 'ann@example.com' })))).toBe('ann@example.com');
    expect(displayUser(decodeTokenClaims(jwt({ sub: 'dev', email: '' })))).toBe('dev');
    expect(displayUser(decodeTokenClaims('opaque'))).toBe('unknown user');
  });
});
