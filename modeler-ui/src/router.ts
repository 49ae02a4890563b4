/**
 * Hash routes, so a reload keeps the page and the API server only has to
 * serve index.html at `/`:
 *   #/login · #/definitions · #/modeler/new · #/modeler/<key>/<version>
 */
export type Route =
  | { name: 'login' }
  | { name: 'definitions' }
  | { name: 'modeler-new' }
  | { name: 'modeler'; key: string; version: number };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'login') return { name: 'login' };
  if (parts[0] === 'modeler' && parts[1] === 'new' && parts.length === 2) return { name: 'modeler-new' };
  if (parts[0] === 'modeler' && parts.length === 3) {
    const version = Number(parts[2]);
    if (parts[1] && Number.isInteger(version) && version > 0) return { name: 'modeler', key: parts[1], version };
  }
  return { name: 'definitions' };
}

export function routeToHash(route: Route): string {
  switch (route.name) {
    case 'login': return '#/login';
    case 'definitions': return '#/definitions';
    case 'modeler-new': return '#/modeler/new';
    case 'modeler': return `#/modeler/${encodeURIComponent(route.key)}/${route.version}`;
  }
}
