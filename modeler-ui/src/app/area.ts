import type { ReactNode } from 'react';
import type { RouteObject } from 'react-router-dom';

/**
 * One area of the app (设计器 / 工作台 / 监察台 / 公众服务). Each area lives in
 * `src/areas/<key>/` and registers itself here through its `index.tsx`:
 * its routes (relative to `/<key>`), its menu entries and its dictionary.
 * The shell (src/app/) owns login, layout, language and error display only.
 */
export interface AreaMenuItem {
  /** path relative to the area, '' for its start page */
  path: string;
  /** i18n key in the area's namespace */
  label: string;
  icon?: ReactNode;
  /** roles that may open this entry (as api/http/access-table.ts and the services allow); absent = the area's roles */
  roles?: string[];
}

export interface Area {
  key: 'designer' | 'workbench' | 'console' | 'public';
  /** i18n key of the area's title in the 'app' namespace */
  title: string;
  icon?: ReactNode;
  /** roles that see the area in the staff menu; empty = anyone logged in; public areas need no login */
  roles: string[];
  public?: boolean;
  menu: AreaMenuItem[];
  routes: RouteObject[];
  /** i18next resources of the area's namespace (named like the key) */
  messages: { zh: Record<string, unknown>; en: Record<string, unknown> };
}
