import { useEffect, useState } from 'preact/hooks';
import { hasToken, loadSession, UNAUTHORIZED } from './api';
import { BrokerPage } from './pages/broker';
import { DeadLettersPage } from './pages/dead-letters';
import { QueuesPage } from './pages/queues';
import { SendPage } from './pages/send';
import { SignIn } from './pages/sign-in';
import { href, type Route, useRoute } from './router';
import type { Session } from './types';

const NAV: readonly { readonly label: string; readonly route: Route }[] = [
  { label: 'Queues', route: { page: 'queues' } },
  { label: 'Send a job', route: { page: 'send' } },
  { label: 'Broker', route: { page: 'broker' } },
];

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [signedIn, setSignedIn] = useState(false);

  useEffect(() => {
    loadSession()
      .then(setSession)
      .catch((failure: Error) => setError(failure.message));
  }, []);

  useEffect(() => {
    const title = { queues: 'Queues', 'dead-letters': 'Dead letters', send: 'Send a job', broker: 'Broker' }[
      route.page
    ];
    document.title = `${title} · polyqueue`;
  }, [route.page]);

  // With a configured token, the page asks for it until the server takes it; a token the server
  // later refuses (api.ts forgets it) brings the question back.
  useEffect(() => {
    const onRefused = () => setSignedIn(false);
    addEventListener(UNAUTHORIZED, onRefused);
    return () => removeEventListener(UNAUTHORIZED, onRefused);
  }, []);
  const needsSignIn = session?.tokenRequired === true && !signedIn && !hasToken();
  const active = route.page === 'dead-letters' ? 'queues' : route.page;

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/queues">
          <img src="./favicon.svg" alt="" width="24" height="24" />
          <span>polyqueue</span>
        </a>
        <nav aria-label="Pages">
          <ul>
            {NAV.filter((item) => !(item.route.page === 'send' && session?.readOnly)).map((item) => (
              <li key={item.label}>
                <a href={href(item.route)} aria-current={active === item.route.page ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {session?.readOnly && <span class="badge">read-only</span>}
      </header>
      <main id="main" tabIndex={-1}>
        {error !== undefined && (
          <p class="alert" role="alert">
            The dashboard's server did not answer: {error}
          </p>
        )}
        {session !== undefined && needsSignIn && <SignIn onSignedIn={() => setSignedIn(true)} />}
        {session !== undefined && !needsSignIn && <Page route={route} session={session} />}
      </main>
    </>
  );
}

function Page({ route, session }: { route: Route; session: Session }) {
  const readOnly = session.readOnly;
  switch (route.page) {
    case 'queues':
      return <QueuesPage readOnly={readOnly} />;
    case 'dead-letters':
      return <DeadLettersPage queue={route.queue} readOnly={readOnly} />;
    case 'send':
      return readOnly ? (
        <p class="alert">This dashboard is read-only: it sends nothing.</p>
      ) : (
        <SendPage {...(route.queue === undefined ? {} : { queue: route.queue })} />
      );
    case 'broker':
      return <BrokerPage />;
  }
}
