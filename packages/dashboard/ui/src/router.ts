import { useEffect, useState } from 'preact/hooks';

/** The pages, addressed in the URL fragment: the server serves one file, under any prefix. */
export type Route =
  | { readonly page: 'queues' }
  | { readonly page: 'dead-letters'; readonly queue: string }
  | { readonly page: 'send'; readonly queue?: string }
  | { readonly page: 'broker' };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'queues' && parts[1] !== undefined && parts[2] === 'dead-letters')
    return { page: 'dead-letters', queue: parts[1] };
  if (parts[0] === 'send') {
    const queue = new URLSearchParams(query).get('queue');
    return queue ? { page: 'send', queue } : { page: 'send' };
  }
  if (parts[0] === 'broker') return { page: 'broker' };
  return { page: 'queues' };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'queues':
      return '#/queues';
    case 'dead-letters':
      return `#/queues/${encodeURIComponent(route.queue)}/dead-letters`;
    case 'send':
      return route.queue === undefined ? '#/send' : `#/send?queue=${encodeURIComponent(route.queue)}`;
    case 'broker':
      return '#/broker';
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
