import type { Route } from '../router';

/** A mounted page. */
export interface View {
  /** Ask before leaving (e.g. undeployed changes); false keeps the page. */
  canLeave?(): boolean;
  /** Release resources (bpmn-js instance, listeners). */
  destroy?(): void;
}

export interface AppContext {
  navigate(route: Route, options?: { keepStatus?: boolean }): void;
  /** Update the address bar without re-rendering (e.g. after a deploy). */
  replaceRoute(route: Route): void;
  onLoggedIn(): void;
}
