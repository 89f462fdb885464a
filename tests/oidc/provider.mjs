// A real OpenID provider for Heard's single sign-on tests: npm's oidc-provider (OpenID
// Certified), on loopback, with one confidential client, PKCE required, and its development
// login and consent pages (any login name signs in as that email address).
//
//   node tests/oidc/provider.mjs
//
// Settings come from the environment:
//   OIDC_PORT           the port to listen on (127.0.0.1)
//   OIDC_CLIENT_ID      the client id       OIDC_CLIENT_SECRET  its secret
//   OIDC_REDIRECT_URI   the client's callback (Heard's /staff/sso/callback)
//   OIDC_KEY_FILE       where the signing key is kept; a new key is made when the file is
//                       missing, so deleting it and starting again rotates the key
//   OIDC_TOKEN_CLOCK    seconds to move the provider's clock while it answers the token
//                       endpoint (negative: the past), to issue ID tokens already expired
// It prints "ready" on standard output once it listens.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const env = (name, fallback) => process.env[name] ?? fallback;
const port = Number(env('OIDC_PORT', '0'));
const tokenClock = Number(env('OIDC_TOKEN_CLOCK', '0')) * 1000;

const keyFile = env('OIDC_KEY_FILE', '');
let jwk;
if (keyFile && existsSync(keyFile)) {
  jwk = JSON.parse(readFileSync(keyFile, 'utf8'));
} else {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  if (keyFile) writeFileSync(keyFile, JSON.stringify(jwk));
}

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: env('OIDC_CLIENT_ID', 'heard'),
    client_secret: env('OIDC_CLIENT_SECRET', 'secret'),
    redirect_uris: [env('OIDC_REDIRECT_URI', 'http://127.0.0.1/staff/sso/callback')],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: ['heard-test-provider-cookie-key'] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
  // The login name is the email address; a name containing "+admin" is in the admins group.
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true, name: id.split('@')[0], groups: id.includes('+admin') ? ['heard-admins'] : ['staff'] };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  // The email and groups in the ID token, as Entra ID and Google put them there.
  conformIdTokenClaims: false,
  // Loopback over plain HTTP in tests.
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<p id="error">${out.error}: ${out.error_description ?? ''}</p>`;
  },
});
provider.proxy = false;
if (tokenClock !== 0) {
  // Only the token endpoint sees the moved clock: sign-in pages and their cookies keep the
  // real one.
  provider.use(async (ctx, next) => {
    if (ctx.path !== '/token') return next();
    const realNow = Date.now;
    Date.now = () => realNow() + tokenClock;
    try { await next(); } finally { Date.now = realNow; }
  });
}
const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
