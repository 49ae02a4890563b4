import { FileAddOutlined, FolderOpenOutlined, HomeOutlined, InboxOutlined, SolutionOutlined } from '@ant-design/icons';
import { Spin } from 'antd';
import { lazy, Suspense, type ReactNode } from 'react';
import type { Area } from '../../app/area';
import { CasesPage } from './CasesPage';
import { HomePage } from './HomePage';
import { InboxPage } from './InboxPage';
import { IntakePage } from './IntakePage';
import { en, zh } from './messages';

// heavy pages (bpmn-js viewer, form-js) load on demand
const TaskPage = lazy(() => import('./TaskPage'));
const CasePage = lazy(() => import('./CasePage'));
const wait = (el: ReactNode) => <Suspense fallback={<Spin style={{ margin: 48 }} />}>{el}</Suspense>;

/**
 * 受理工作台 — the clerks' workbench: home (window, counts, duty), intake with the one-time
 * notification, inbox by deadline, task handling with forms, and the case page with its diagram.
 */
export const workbenchArea: Area = {
  key: 'workbench',
  title: 'areas.workbench',
  icon: <SolutionOutlined />,
  roles: ['clerk', 'manager'],
  public: false,
  menu: [
    { path: '', label: 'menu.home', icon: <HomeOutlined /> },
    { path: 'intake', label: 'menu.intake', icon: <FileAddOutlined /> },
    { path: 'inbox', label: 'menu.inbox', icon: <InboxOutlined /> },
    { path: 'cases', label: 'menu.cases', icon: <FolderOpenOutlined /> },
  ],
  routes: [
    { index: true, element: <HomePage /> },
    { path: 'intake', element: <IntakePage /> },
    { path: 'inbox', element: <InboxPage /> },
    { path: 'tasks/:id', element: wait(<TaskPage />) },
    { path: 'cases', element: <CasesPage /> },
    { path: 'cases/:no', element: wait(<CasePage />) },
  ],
  messages: { zh, en },
};
