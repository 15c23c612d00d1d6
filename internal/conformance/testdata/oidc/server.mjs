// A real OAuth 2.0 authorization server for authgen's conformance tests:
// oidc-provider with the client credentials grant and token introspection,
// bound to 127.0.0.1. It prints "listening PORT" once ready.
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import Provider, { errors } from 'oidc-provider';

// The resource server whose access tokens are JWTs (RFC 9068): jwt-client's.
const jwtAPI = 'https://api.authgen.test/';
// With AUTHGEN_TLS (PEM key, cert and client CA made by the mTLS tests) it
// serves HTTPS and asks for client certificates (RFC 8705).
const tls = process.env.AUTHGEN_TLS && JSON.parse(process.env.AUTHGEN_TLS);
// The server listens first, so that the issuer identifier names the port
// it got (the tests ask for any, 0), as client assertions may.
let handle;
const server = tls
  ? https.createServer({ ...tls, requestCert: true, rejectUnauthorized: false }, (req, res) => handle(req, res))
  : http.createServer((req, res) => handle(req, res));
await new Promise((resolve) => { server.listen(Number(process.argv[2] || 0), '127.0.0.1', resolve); });
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'basic-client', client_secret: 'basic-secret-Z9x/+=',
      grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'client_secret_basic', scope: 'payments:read payments:write',
    },
    {
      client_id: 'post-client', client_secret: 'post-secret-Q4w&%',
      grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'client_secret_post', scope: 'payments:read',
    },
    // Per-operation scopes: a client that may read, not write.
    {
      client_id: 'reader-client', client_secret: 'reader-secret-8h2q',
      grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'client_secret_basic', scope: 'payments:read',
    },
    // RFC 7523 client assertions. The test makes the private_key_jwt
    // client's keys and passes their public JWKS in AUTHGEN_JWKS.
    {
      client_id: 'pkjwt-client', jwks: JSON.parse(process.env.AUTHGEN_JWKS || '{"keys":[]}'),
      grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'private_key_jwt', scope: 'payments:read',
    },
    // The same keys, with assertions that must be signed PS256, or name
    // the issuer identifier as their audience.
    {
      client_id: 'pkjwt-ps256-client', jwks: JSON.parse(process.env.AUTHGEN_JWKS || '{"keys":[]}'),
      grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'PS256', scope: 'payments:read',
    },
    {
      client_id: 'pkjwt-issuer-client', jwks: JSON.parse(process.env.AUTHGEN_JWKS || '{"keys":[]}'),
      grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'private_key_jwt', scope: 'payments:read',
    },
    {
      client_id: 'secretjwt-client', client_secret: 'secretjwt-secret-0123456789abcdefghijklmnop',
      grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'client_secret_jwt', scope: 'payments:read',
    },
    // DPoP (RFC 9449): its tokens are bound to the key of the proofs.
    {
      client_id: 'dpop-client', client_secret: 'dpop-secret-7f3k',
      grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'client_secret_basic', scope: 'payments:read',
      dpop_bound_access_tokens: true,
    },
    // RFC 8705 mutual TLS, with certificate-bound tokens. The self-signed
    // client's certificate is in AUTHGEN_MTLS_JWKS's x5c.
    {
      client_id: 'mtls-client', tls_client_auth_subject_dn: 'CN=authgen mtls client',
      grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'tls_client_auth', scope: 'payments:read',
      tls_client_certificate_bound_access_tokens: true,
    },
    {
      client_id: 'mtls-self-client', jwks: JSON.parse(process.env.AUTHGEN_MTLS_JWKS || '{"keys":[]}'),
      grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'self_signed_tls_client_auth', scope: 'payments:read',
      tls_client_certificate_bound_access_tokens: true,
    },
    // Its tokens are JWTs for jwtAPI, whose exp a client reads when the
    // answer carries no expires_in.
    {
      client_id: 'jwt-client', client_secret: 'jwt-secret-8Hq2',
      grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'client_secret_basic', scope: 'payments:read',
    },
  ],
  scopes: ['payments:read', 'payments:write'],
  clientAuthMethods: [
    'client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'private_key_jwt', 'none',
    'tls_client_auth', 'self_signed_tls_client_auth',
  ],
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client) => (client?.clientId === 'jwt-client' ? jwtAPI : undefined),
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== jwtAPI) throw new errors.InvalidTarget();
        return { scope: 'payments:read', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
      },
    },
    mTLS: {
      enabled: true, certificateBoundAccessTokens: true, tlsClientAuth: true, selfSignedTlsClientAuth: true,
      // The peer certificate of the request's TLS connection, if any.
      getCertificate: (ctx) => ctx.socket.getPeerX509Certificate?.(),
      // Verified against the CA in AUTHGEN_TLS (the handshake accepts any).
      certificateAuthorized: (ctx) => ctx.socket.authorized === true,
      certificateSubjectMatches: (ctx, property, expected) => property === 'tls_client_auth_subject_dn'
        && ctx.socket.getPeerX509Certificate().subject === expected,
    },
    // Every proof must carry a server nonce, so the use_dpop_nonce
    // challenge is met on the first token request.
    dPoP: { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true },
  },
  enabledJWA: {
    dPoPSigningAlgValues: ['ES256', 'RS256'],
    clientAuthSigningAlgValues: ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'],
  },
  // oidc-provider takes the token URL or the issuer as an assertion's
  // audience; this client must name the issuer, as FAPI 2.0 asks.
  async assertJwtClientAuthClaimsAndHeader(ctx, claims, header, client) {
    if (client.clientId === 'pkjwt-issuer-client' && claims.aud !== issuer) {
      throw new errors.InvalidClientAuth('audience (aud) must equal the issuer identifier url');
    }
  },
  ttl: { ClientCredentials: 300 },
});
provider.proxy = false;
handle = provider.callback();
console.log(`listening ${server.address().port}`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
