import { useState } from 'preact/hooks';
import { ApiError, get, setToken } from '../api';

/** Asks for the dashboard's token (set with --token or POLYQUEUE_DASHBOARD_TOKEN). */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    setToken(value.trim());
    try {
      await get('api/info');
      onSignedIn();
    } catch (failure) {
      setToken(undefined);
      setError(
        failure instanceof ApiError && failure.status === 401
          ? 'That token is not this dashboard’s.'
          : String(failure),
      );
    }
  };
  return (
    <section class="card narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <p>This dashboard needs its token: the one given to it with --token or POLYQUEUE_DASHBOARD_TOKEN.</p>
      <form onSubmit={submit}>
        <label for="token">Token</label>
        <input
          id="token"
          type="password"
          autocomplete="current-password"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
          aria-invalid={error !== undefined}
          aria-describedby={error === undefined ? undefined : 'token-error'}
          required
        />
        {error !== undefined && (
          <p id="token-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
    </section>
  );
}
