// A real OAuth 2.0 authorization server for authgen's conformance tests:
// oidc-provider with the client credentials grant and token introspection,
// bound to 127.0.0.1. It prints "listening PORT" once ready.
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 0);
const issuer = `http://127.0.0.1:${port}`;
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
    // RFC 7523 client assertions. The test makes the private_key_jwt
    // client's keys and passes their public JWKS in AUTHGEN_JWKS.
    {
      client_id: 'pkjwt-client', jwks: JSON.parse(process.env.AUTHGEN_JWKS || '{"keys":[]}'),
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
  ],
  scopes: ['payments:read', 'payments:write'],
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    devInteractions: { enabled: false },
    // Every proof must carry a server nonce, so the use_dpop_nonce
    // challenge is met on the first token request.
    dPoP: { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => true },
  },
  enabledJWA: {
    dPoPSigningAlgValues: ['ES256', 'RS256'],
  },
  ttl: { ClientCredentials: 300 },
});
provider.proxy = false;
const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
