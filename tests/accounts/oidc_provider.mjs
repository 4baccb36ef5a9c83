// A real OpenID provider for the test suite: panva's certified `oidc-provider`
// (pinned in package.json), with one confidential client and two people:
//   alice — password only (amr ["pwd"]), group "samrad-kultur-editors"
//   bob   — multi-factor (amr ["pwd", "otp", "mfa"]), group "samrad-admins"
// The sign-in page is replaced by a test control: POST /__test/next names who
// signs in next (or that consent is denied); POST /__test/disable turns a
// person off (their refresh tokens then fail, as at a real IdP); POST
// /__test/clock moves the provider's clock (expired tokens).
//
// Usage: node provider.mjs <port> <redirect_uri> <post_logout_redirect_uri>
// Prints "READY <issuer>" on stdout once it listens.

import { Provider } from 'oidc-provider';

const [port, redirectUri, postLogoutUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const PEOPLE = {
  alice: { email: 'alice@stockholm.example', name: 'Alice Andersson', groups: ['samrad-kultur-editors'], amr: ['pwd'] },
  bob: { email: 'bob@stockholm.example', name: 'Bob Berg', groups: ['samrad-admins'], amr: ['pwd', 'otp', 'mfa'] },
};
const disabled = new Set();
// The provider's clock can be moved (POST /__test/clock): tokens issued an hour "ago" are expired.
const realNow = Date.now;
let clockOffsetMs = 0;
Date.now = () => realNow() + clockOffsetMs;
let next = { account: 'alice', deny: false };
let idTokenTtl = 600;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'samradsportalen',
    client_secret: 'test-client-secret-0123456789abcdef',
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
  claims: {
    // acr, amr and auth_time go into every ID token (as Entra ID and ADFS do)
    openid: ['sub', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name'],
    groups: ['groups'], sid: null,
  },
  acrValues: ['urn:test:pwd', 'urn:test:mfa'],
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true, logoutSource } },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: { IdToken: () => idTokenTtl, AccessToken: 600, RefreshToken: 3600, Session: 3600, Interaction: 600, Grant: 3600 },
  cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
  async findAccount(ctx, sub) {
    const person = PEOPLE[sub];
    if (!person || disabled.has(sub)) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: person.email, email_verified: true, name: person.name, groups: person.groups };
      },
    };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.proxy = false;

async function logoutSource(ctx, form) {
  // No confirmation page in the test: submit the logout form at once.
  ctx.body = `<!DOCTYPE html><html><body>${form}<script>document.forms[0].submit()</script></body></html>`;
}

function readJson(ctx) {
  return new Promise((resolve) => {
    let body = '';
    ctx.req.on('data', (chunk) => { body += chunk; });
    ctx.req.on('end', () => resolve(body ? JSON.parse(body) : {}));
  });
}

provider.use(async (ctx, nextMiddleware) => {
  if (ctx.path === '/__test/next' && ctx.method === 'POST') {
    next = { account: 'alice', deny: false, ...(await readJson(ctx)) };
    ctx.body = { ok: true };
    return;
  }
  if (ctx.path === '/__test/disable' && ctx.method === 'POST') {
    const { account, enabled } = await readJson(ctx);
    if (enabled) disabled.delete(account); else disabled.add(account);
    ctx.body = { ok: true };
    return;
  }
  if (ctx.path === '/__test/id-token-ttl' && ctx.method === 'POST') {
    idTokenTtl = (await readJson(ctx)).seconds;
    ctx.body = { ok: true };
    return;
  }
  if (ctx.path === '/__test/clock' && ctx.method === 'POST') {
    clockOffsetMs = (await readJson(ctx)).offset * 1000;
    ctx.body = { ok: true };
    return;
  }
  if (ctx.path === '/__test/reset' && ctx.method === 'POST') {
    disabled.clear();
    next = { account: 'alice', deny: false };
    idTokenTtl = 600;
    clockOffsetMs = 0;
    ctx.body = { ok: true };
    return;
  }
  if (ctx.path.startsWith('/interaction/') && ctx.method === 'GET') {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (next.deny) {
      await provider.interactionFinished(ctx.req, ctx.res, {
        error: 'access_denied', error_description: 'The person did not consent',
      }, { mergeWithLastSubmission: false });
      return;
    }
    const accountId = next.account;
    const person = PEOPLE[accountId];
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(ctx.req, ctx.res, {
        login: { accountId, amr: person.amr, acr: person.amr.includes('mfa') ? 'urn:test:mfa' : 'urn:test:pwd' },
      }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope('openid offline_access email profile groups');
    const grantId = await grant.save();
    await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  await nextMiddleware();
});

provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`READY ${issuer}\n`);
});
