import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { initI18n } from './app/i18n';
import { consoleArea } from './areas/console';
import { designerArea } from './areas/designer';
import { publicArea } from './areas/public';
import { workbenchArea } from './areas/workbench';

/**
 * 行政服务中心流程平台 — one app for designers (流程设计), clerks (受理工作台),
 * supervisors (监察督办) and the public (办事指南). Hash routes: `#/<area>/...`; `#/` is the
 * public home, `#/staff` (or the path `/staff`) the staff login.
 */
const areas = [workbenchArea, designerArea, consoleArea, publicArea];

// `/staff` (a path the server answers with this page) is the staff login, `#/staff`
if (!window.location.hash && /^\/staff\/?$/.test(window.location.pathname)) window.history.replaceState(null, '', '/#/staff');
initI18n(areas);

createRoot(document.getElementById('app')!).render(
  <StrictMode>
    <App areas={areas} />
  </StrictMode>,
);
