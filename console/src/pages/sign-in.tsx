import { useState } from 'preact/hooks';
import { ApiError, getJson, postJson } from '../api.ts';

type Step = { kind: 'key' } | { kind: 'create-org'; rootKey: string } | { kind: 'created'; orgId: string; adminKey: string };

/**
 * Sign in with an API key (kept in this tab's session storage only). Pasting the
 * deployment's root key instead offers to create the first org, whose admin key signs in.
 */
export function SignIn({ onSignedIn, expired }: { onSignedIn: (key: string) => void; expired: boolean }) {
  const [step, setStep] = useState<Step>({ kind: 'key' });
  const [key, setKey] = useState('');
  const [orgId, setOrgId] = useState('');
  const [orgName, setOrgName] = useState('');
  const [error, setError] = useState<string | null>(expired ? 'Your key is no longer accepted (revoked, or the session ended). Sign in again.' : null);
  const [busy, setBusy] = useState(false);

  async function signIn(event: Event) {
    event.preventDefault();
    const candidate = key.trim();
    if (!candidate) return setError('Paste an API key with the read scope.');
    setBusy(true);
    setError(null);
    try {
      await getJson('/v1/syncs?limit=1', { key: candidate });
      onSignedIn(candidate);
    } catch (e) {
      const failure = e as ApiError;
      if (failure.status === 403 && /root key/.test(failure.message)) setStep({ kind: 'create-org', rootKey: candidate });
      else if (failure.status === 401) setError('That key is not valid, or it was revoked.');
      else if (failure.status === 403) setError(`That key cannot read: ${failure.message}. Create one with the read scope (POST /v1/keys).`);
      else setError(failure.message);
    } finally {
      setBusy(false);
    }
  }

  async function createOrg(event: Event) {
    event.preventDefault();
    if (step.kind !== 'create-org') return;
    setBusy(true);
    setError(null);
    try {
      const org = await postJson<{ orgId: string; adminKey: string }>('/v1/orgs', { orgId: orgId.trim(), ...(orgName.trim() ? { name: orgName.trim() } : {}) }, { key: step.rootKey });
      setStep({ kind: 'created', orgId: org.orgId, adminKey: org.adminKey });
    } catch (e) {
      const failure = e as ApiError;
      const field = Array.isArray(failure.details) ? (failure.details as Array<{ path: string; message: string }>).map((d) => `${d.path}: ${d.message}`).join('; ') : '';
      setError(failure.status === 409 ? `An org named "${orgId}" exists already. Sign in with one of its keys, or pick another id.` : `${failure.message}${field ? ` (${field})` : ''}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in" id="main">
      <div class="sign-in-card">
        <p class="brand">
          <span class="brand-mark" aria-hidden="true" />
          SyncTrail
        </p>
        {step.kind === 'key' ? (
          <form onSubmit={signIn} noValidate>
            <h1>Sign in</h1>
            <p class="muted">Use an API key with the <code>read</code> scope. It stays in this browser tab and is forgotten when you close it.</p>
            <label for="api-key">API key</label>
            <input id="api-key" name="api-key" type="password" autoFocus autocomplete="off" spellcheck={false} value={key} onInput={(e) => setKey(e.currentTarget.value)} aria-describedby={error ? 'sign-in-error' : undefined} aria-invalid={error ? true : undefined} required />
            {error ? (
              <p id="sign-in-error" class="form-error" role="alert">
                {error}
              </p>
            ) : null}
            <button type="submit" class="button button-primary" disabled={busy} aria-busy={busy}>
              {busy ? 'Checking…' : 'Sign in'}
            </button>
            <p class="hint">
              First time? <code>npm start</code> printed the root key: paste it here to create your org. Or run <code>npm run demo</code> for an org full of sample runs.
            </p>
          </form>
        ) : step.kind === 'create-org' ? (
          <form onSubmit={createOrg}>
            <h1>Create an org</h1>
            <p class="muted">That is the deployment's root key: it can only create orgs. Create one, and sign in with its admin key.</p>
            <label for="org-id">Org id</label>
            <input id="org-id" value={orgId} onInput={(e) => setOrgId(e.currentTarget.value)} pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,127}" required aria-describedby="org-id-hint" />
            <p id="org-id-hint" class="hint">Letters, digits, dot, dash and underscore; it names the org's folder in S3.</p>
            <label for="org-name">Name (optional)</label>
            <input id="org-name" value={orgName} onInput={(e) => setOrgName(e.currentTarget.value)} />
            {error ? (
              <p class="form-error" role="alert">
                {error}
              </p>
            ) : null}
            <div class="row">
              <button type="button" class="button" onClick={() => (setStep({ kind: 'key' }), setError(null))}>
                Back
              </button>
              <button type="submit" class="button button-primary" disabled={busy || !orgId.trim()} aria-busy={busy}>
                {busy ? 'Creating…' : 'Create org'}
              </button>
            </div>
          </form>
        ) : (
          <div>
            <h1>Org {step.orgId} created</h1>
            <p>Its admin key is shown this once. Keep it somewhere safe; mint narrower keys for producers with <code>POST /v1/keys</code>.</p>
            <label for="admin-key">Admin key</label>
            <input id="admin-key" readOnly value={step.adminKey} onFocus={(e) => e.currentTarget.select()} />
            <div class="row">
              <button type="button" class="button" onClick={() => void navigator.clipboard?.writeText(step.adminKey)}>
                Copy
              </button>
              <button type="button" class="button button-primary" onClick={() => onSignedIn(step.adminKey)}>
                Continue with this key
              </button>
            </div>
          </div>
        )}
      </div>
    </main>
  );
}
