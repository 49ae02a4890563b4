import { AlertOutlined, BarChartOutlined, DashboardOutlined, FireOutlined, MessageOutlined, WarningOutlined } from '@ant-design/icons';
import { Spin } from 'antd';
import { lazy, Suspense, type ReactNode } from 'react';
import type { Area } from '../../app/area';
import BoardPage from './BoardPage';
import ComplaintsPage from './ComplaintsPage';
import EscalationsPage from './EscalationsPage';
import IncidentsPage from './IncidentsPage';
import { en, zh } from './messages';

// echarts and bpmn-js stay out of the first page: loaded when their page opens
const StatsPage = lazy(() => import('./StatsPage'));
const HeatmapPage = lazy(() => import('./HeatmapPage'));

const wait = (node: ReactNode) => <Suspense fallback={<Spin style={{ margin: 48 }} />}>{node}</Suspense>;

/**
 * 监察督办 — the supervisors' console: the live board of the city and the 19 towns, escalations
 * (督办) with their life cycle, complaints, statistics with charts and the town ranking, and the
 * heat map of an item's diagram.
 */
export const consoleArea: Area = {
  key: 'console',
  title: 'areas.console',
  icon: <DashboardOutlined />,
  roles: ['supervisor', 'manager'],
  public: false,
  menu: [
    { path: '', label: 'menu.board', icon: <DashboardOutlined /> },
    { path: 'escalations', label: 'menu.escalations', icon: <AlertOutlined /> },
    // complaints go to the town's discipline commission and supervisors (feedback-service canHandle), not to the centre head
    { path: 'complaints', label: 'menu.complaints', icon: <MessageOutlined />, roles: ['supervisor', 'discipline'] },
    { path: 'stats', label: 'menu.stats', icon: <BarChartOutlined /> },
    { path: 'heatmap', label: 'menu.heatmap', icon: <FireOutlined /> },
    // 事件/故障: failed service/send task jobs — supervisors read, admins retry or cancel
    { path: 'incidents', label: 'menu.incidents', icon: <WarningOutlined />, roles: ['supervisor'] },
  ],
  routes: [
    { index: true, element: <BoardPage /> },
    { path: 'escalations', element: <EscalationsPage /> },
    { path: 'complaints', element: <ComplaintsPage /> },
    { path: 'stats', element: wait(<StatsPage />) },
    { path: 'heatmap', element: wait(<HeatmapPage />) },
    { path: 'heatmap/:itemCode', element: wait(<HeatmapPage />) },
    { path: 'incidents', element: <IncidentsPage /> },
  ],
  messages: { zh, en },
};
