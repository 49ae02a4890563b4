import { useEffect, useRef } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import type { Route } from '../../router';
import { renderDefinitionsView } from '../../views/definitions-view';
import { renderModelerView } from '../../views/modeler-view';
import type { AppContext, View } from '../../views/view';

/** Path of a designer route inside the app (`#/designer/...`). */
export function designerPath(route: Route): string {
  switch (route.name) {
    case 'login': return '/login';
    case 'definitions': return '/designer';
    case 'modeler-new': return '/designer/modeler/new';
    case 'modeler': return `/designer/modeler/${encodeURIComponent(route.key)}/${route.version}`;
  }
}

/** Hosts one of the DOM-built designer views (list, modeler) inside the React shell. */
export function LegacyView({ kind }: { kind: 'definitions' | 'modeler' }) {
  const ref = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  const params = useParams();
  const key = params.key;
  const version = params.version;
  useEffect(() => {
    const context: AppContext = {
      navigate: (route) => navigate(designerPath(route)),
      replaceRoute: (route) => history.replaceState(null, '', '#' + designerPath(route)),
      onLoggedIn: () => undefined,
    };
    const root = ref.current!;
    let view: View;
    if (kind === 'definitions') view = renderDefinitionsView(root, context);
    else view = renderModelerView(root, context, key && version ? { key, version: Number(version) } : null);
    return () => {
      view.destroy?.();
      root.replaceChildren();
    };
  }, [kind, key, version, navigate]);
  return <div ref={ref} className="legacy-view" data-view={kind} />;
}
