import type { Area } from '../../app/area';
import { ComplaintPage } from './ComplaintPage';
import { HomePage } from './HomePage';
import { ItemGuidePage } from './ItemGuidePage';
import { LookupPage } from './LookupPage';
import { en, zh } from './messages';
import { TownBoardPage } from './TownBoardPage';

/**
 * 公众服务 (`#/public/...`, no login, phone-width friendly): the service guide with the five
 * disclosures and the procedure diagram, each town's notice board, case lookup with rating,
 * and complaints. Talks only to `/api/public/...`.
 */
export const publicArea: Area = {
  key: 'public',
  title: 'areas.public',
  roles: [],
  public: true,
  menu: [
    { path: '', label: 'nav.home' },
    { path: 'lookup', label: 'nav.lookup' },
    { path: 'complaints', label: 'nav.complaint' },
  ],
  routes: [
    { index: true, element: <HomePage /> },
    { path: 'items/:code', element: <ItemGuidePage /> },
    { path: 'towns/:id', element: <TownBoardPage /> },
    { path: 'lookup', element: <LookupPage /> },
    { path: 'complaints', element: <ComplaintPage /> },
  ],
  messages: { zh, en },
};
