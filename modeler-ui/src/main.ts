import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import './styles.css';

import { getSessionUser, getToken, logout as endSession, onUnauthorized } from './api-client';
import { clear, el } from './dom';
import { parseRoute, routeToHash, type Route } from './router';
import { clearStatus, mountStatusArea, showStatus } from './status';
import { renderDefinitionsView } from './views/definitions-view';
import { renderLoginView } from './views/login-view';
import { renderModelerView } from './views/modeler-view';
import type { AppContext, View } from './views/view';

/**
 * 行政服务中心流程平台 · 流程设计器 — single-page app shell:
 * header, one status area, and the current view chosen by the URL hash.
 */

const app = document.querySelector<HTMLElement>('#app');
if (!app) throw new Error('#app missing from index.html');

const userBox = el('div', { class: 'header-user' });
const statusArea = el('div', { class: 'status-message', 'data-testid': 'status-message', 'aria-live': 'polite' });
const main = el('main', { class: 'main' });

app.append(
  el(
    'header',
    { class: 'app-header' },
    el(
      'a',
      { class: 'brand', href: '#/definitions' },
      el('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '政'),
      el('span', { class: 'brand-name' }, '行政服务中心流程平台'),
      el('span', { class: 'brand-sep', 'aria-hidden': 'true' }, '·'),
      el('span', { class: 'brand-product' }, '流程设计器'),
    ),
    userBox,
  ),
  statusArea,
  main,
);
mountStatusArea(statusArea);

let currentView: View | null = null;
/** The hash of the mounted view; hashchange events that match it are our own. */
let currentHash = '';
/** Where an anonymous (or expired) user was going; opened after login. */
let routeAfterLogin: Route | null = null;

function renderUser(): void {
  clear(userBox);
  const user = getToken() ? getSessionUser() : null;
  if (!user) return;
  userBox.append(
    el('span', { class: 'user-name', title: user.roles.join('、') }, user.displayName || user.username),
    el('button', { type: 'button', class: 'btn btn-ghost btn-small', 'data-testid': 'logout', onclick: () => void logout() }, '退出登录'),
  );
}

async function logout(): Promise<void> {
  if (currentView?.canLeave && !currentView.canLeave()) return;
  await endSession();
  routeAfterLogin = null;
  navigate({ name: 'login' }, { force: true });
}

function mount(route: Route): void {
  currentView?.destroy?.();
  currentView = null;
  clear(main);
  main.dataset.view = route.name;
  renderUser();
  switch (route.name) {
    case 'login':
      currentView = renderLoginView(main, context);
      break;
    case 'definitions':
      currentView = renderDefinitionsView(main, context);
      break;
    case 'modeler-new':
      currentView = renderModelerView(main, context, null);
      break;
    case 'modeler':
      currentView = renderModelerView(main, context, { key: route.key, version: route.version });
      break;
  }
}

/** Resolve the hash to a view, sending anonymous users to the login form. */
function resolve(): void {
  let route = parseRoute(location.hash);
  if (!getToken() && route.name !== 'login') {
    routeAfterLogin = route;
    route = { name: 'login' };
  }
  if (getToken() && route.name === 'login') route = { name: 'definitions' };
  const hash = routeToHash(route);
  if (location.hash !== hash) history.replaceState(null, '', hash);
  currentHash = hash;
  mount(route);
}

function navigate(route: Route, options: { keepStatus?: boolean; force?: boolean } = {}): void {
  if (!options.force && currentView?.canLeave && !currentView.canLeave()) return;
  if (!options.keepStatus) clearStatus();
  const hash = routeToHash(route);
  if (location.hash !== hash) location.hash = hash;
  resolve();
}

const context: AppContext = {
  navigate: (route, options) => navigate(route, options),
  replaceRoute(route) {
    currentHash = routeToHash(route);
    history.replaceState(null, '', currentHash);
  },
  onLoggedIn() {
    const next = routeAfterLogin ?? { name: 'definitions' };
    routeAfterLogin = null;
    navigate(next);
  },
};

window.addEventListener('hashchange', () => {
  if (location.hash === currentHash) return;
  // browser back/forward or a typed URL
  if (currentView?.canLeave && !currentView.canLeave()) {
    history.replaceState(null, '', currentHash);
    return;
  }
  clearStatus();
  resolve();
});

onUnauthorized(() => {
  routeAfterLogin = parseRoute(currentHash);
  navigate({ name: 'login' }, { force: true });
  showStatus('error', '登录已失效，请重新登录。');
});

resolve();
