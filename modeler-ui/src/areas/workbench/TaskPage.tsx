import { DownOutlined, FileSearchOutlined } from '@ant-design/icons';
import { App as AntApp, Alert, Button, Card, Col, Descriptions, Dropdown, Form, Input, Modal, Radio, Row, Select, Space, Spin, Tag, Timeline, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, ApiProblem } from '../../api-client';
import { ApiErrorAlert, useApi, useErrorToast } from '../../app/ApiError';
import { useSession } from '../../app/session';
import { FormView, type FormViewHandle } from '../../shared/FormView';
import { CategoryTag, DeadlineTag, dueText, StatusTag } from './common';
import { formatDateTime } from './format';
import type { CaseDetail, OrgUnit, Task, TaskForm, TaskOffer, WindowView } from './types';

type ActionKind = 'return' | 'withdraw' | 'transfer' | 'cosign' | 'cc' | 'urge';

/** What a reader may do when the server did not say (an older server): the rules the actions check, from the task alone. */
function offerOf(tk: Task, me: string | undefined): TaskOffer {
  const open = tk.status === 'open';
  const mine = !!me && tk.assignee === me;
  return { claim: open && !mine, complete: open && mine, return: open && mine, transfer: open && mine, cosign: open && mine && tk.kind !== 'cosign', cc: mine || tk.completedBy === me, withdraw: !open && tk.completedBy === me, urge: open && !mine && !!tk.assignee };
}

/** 办理: the task with its case summary, its form (form-js), complete; more actions with reasons. */
export default function TaskPage() {
  const { t } = useTranslation('workbench');
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const session = useSession();
  const { message } = AntApp.useApp();
  const toast = useErrorToast();
  const task = useApi(() => api.get<Task>(`/api/tasks/${encodeURIComponent(id)}`), [id]);
  const caseNo = task.data?.caseNo;
  const kase = useApi(async () => (caseNo ? api.get<CaseDetail>(`/api/service-cases/${encodeURIComponent(caseNo)}`) : null), [caseNo]);
  const form = useApi(async () => {
    try {
      return (await api.get<{ taskId: string; status: string; form: TaskForm | null }>(`/api/tasks/${encodeURIComponent(id)}/form`)).form;
    } catch (e) {
      if (e instanceof ApiProblem && (e.status === 404 || e.status === 403)) return null;
      throw e;
    }
  }, [id]);
  const formRef = useRef<FormViewHandle>(null);
  const [fallback] = Form.useForm<{ decision: string; opinion?: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [action, setAction] = useState<ActionKind | null>(null);
  const [actionForm] = Form.useForm<{ reason?: string; windowId?: string; to?: string[]; note?: string }>();
  const me = session.user?.username;
  const tk = task.data;
  const windows = useApi(async () => {
    const town = tk?.orgUnit && tk.orgUnit !== 'city' ? await api.get<WindowView[]>(`/api/org/units/${encodeURIComponent(tk.orgUnit)}/windows`) : [];
    const city = await api.get<WindowView[]>('/api/org/units/city/windows');
    return [...town, ...city];
  }, [tk?.orgUnit]);

  // whose step it is (机构 and 窗口 by name), said to a reader who may not work on it
  const place = useApi(async () => {
    if (!tk) return null;
    const [units, win] = await Promise.all([
      tk.orgUnit ? api.get<OrgUnit[]>('/api/org/units').catch(() => [] as OrgUnit[]) : Promise.resolve([] as OrgUnit[]),
      tk.windowId ? api.get<WindowView>(`/api/org/windows/${encodeURIComponent(tk.windowId)}`).catch(() => null) : Promise.resolve(null),
    ]);
    return { unit: units.find((u) => u.id === tk.orgUnit)?.name, window: win?.name };
  }, [tk?.id, tk?.orgUnit, tk?.windowId]);

  const reload = () => { task.reload(); kase.reload(); form.reload(); };
  const open = tk?.status === 'open';
  const offer = tk ? (tk.offer ?? offerOf(tk, me)) : undefined;
  // the person holding it may write the form; anyone else reads it
  const writable = !!offer?.complete;

  const claim = async () => {
    setBusy(true);
    try {
      await api.post(`/api/tasks/${encodeURIComponent(id)}/claim`, {});
      void message.success(t('inbox.claimed'));
      reload();
    } catch (e) { toast(e); } finally { setBusy(false); }
  };

  /** The last completion sent and its Idempotency-Key, kept until it is answered. */
  const attempt = useRef<{ body: string; key: string } | null>(null);
  const complete = async () => {
    setError(null);
    let body: { decision?: string; opinion?: string; variables: Record<string, unknown> };
    if (form.data) {
      const r = formRef.current!.submit();
      if (Object.keys(r.errors).length) return;
      const { decision, opinion, decisionOptions: _o, ...variables } = r.data as Record<string, unknown>;
      body = { decision: decision as string | undefined, opinion: typeof opinion === 'string' && opinion.trim() ? opinion.trim() : undefined, variables };
    } else {
      let v: { decision: string; opinion?: string };
      try { v = await fallback.validateFields(); } catch { return; }
      body = { decision: v.decision, opinion: v.opinion?.trim() || undefined, variables: {} };
    }
    setBusy(true);
    try {
      // one Idempotency-Key per completion: resending it after a timeout or a 503 is answered as
      // done when the first one was saved (the server replays it) instead of 409
      const text = JSON.stringify(body);
      if (attempt.current?.body !== text) attempt.current = { body: text, key: crypto.randomUUID() };
      await api.post(`/api/tasks/${encodeURIComponent(id)}/complete`, body, { 'Idempotency-Key': attempt.current.key });
      attempt.current = null;
      void message.success(t('task.completed'));
      navigate('/workbench/inbox');
    } catch (e) { setError(e); } finally { setBusy(false); }
  };

  const runAction = async () => {
    let v: { reason?: string; windowId?: string; to?: string[]; note?: string };
    try { v = await actionForm.validateFields(); } catch { return; } // the form shows what is wrong
    const path = `/api/tasks/${encodeURIComponent(id)}/${action}`;
    const body = action === 'cc' ? { to: v.to, note: v.note?.trim() || undefined }
      : action === 'transfer' || action === 'cosign' ? { windowId: v.windowId, reason: v.reason?.trim() }
      : { reason: v.reason?.trim() };
    setBusy(true);
    try {
      await api.post(path, body);
      void message.success(t('task.done'));
      setAction(null);
      actionForm.resetFields();
      if (action === 'return' || action === 'transfer') navigate('/workbench/inbox');
      else reload();
    } catch (e) { toast(e); } finally { setBusy(false); }
  };

  if (task.error) return <ApiErrorAlert error={task.error} onRetry={task.reload} />;
  if (!tk) return <Spin />;
  const c = kase.data;
  const o = offer!;
  // 催办 is also the case's responsible person's (首问负责人), which the case tells
  const mayUrge = o.urge || (open && !!tk.assignee && tk.assignee !== me && !!c && c.responsible === me);
  const moreItems = ([
    o.return ? 'return' : null,
    o.transfer ? 'transfer' : null,
    o.cosign ? 'cosign' : null,
    o.cc ? 'cc' : null,
    mayUrge ? 'urge' : null,
    o.withdraw ? 'withdraw' : null,
  ].filter(Boolean) as ActionKind[]).map((k) => ({ key: k, label: <span data-testid={`action-${k}`}>{t(`task.${k}`)}</span> }));
  // an open step the reader can neither claim nor work on: someone else's (another window, the city's part of a 上报件)
  const notOffered = open && !o.claim && !o.complete;
  const placeName = [place.data?.unit, place.data?.window].filter(Boolean).join(' · ') || t('task.otherPlace');

  return (
    <div data-testid="task-page" data-task-id={tk.id} data-element-id={tk.elementId}>
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="task-title">{notOffered ? t('task.viewTitle') : t('task.title')}：{tk.name}</Typography.Title>
        <Space>
          <StatusTag status={tk.status} />
          <DeadlineTag task={tk} />
          <span>{dueText(tk)}</span>
        </Space>
      </Space>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={9}>
          <Card title={t('task.caseSummary')} size="small" loading={kase.loading && !c}
            extra={caseNo ? <Link to={`/workbench/cases/${caseNo}`}><FileSearchOutlined /> {t('task.openCase')}</Link> : null}>
            <ApiErrorAlert error={kase.error} />
            {c ? (
              <Descriptions column={1} size="small" data-testid="task-case-summary">
                <Descriptions.Item label={t('inbox.caseNo')}>{c.caseNo}</Descriptions.Item>
                <Descriptions.Item label={t('task.item')}>{c.itemName} <CategoryTag category={c.category} /></Descriptions.Item>
                <Descriptions.Item label={t('task.applicant')}>{c.applicant.name}（{c.applicant.idNumber}）</Descriptions.Item>
                {c.applicant.phone ? <Descriptions.Item label={t('case.phone')}>{c.applicant.phone}</Descriptions.Item> : null}
                <Descriptions.Item label={t('task.responsible')}>{c.responsibleName ?? c.responsible}</Descriptions.Item>
                <Descriptions.Item label={t('task.receivedAt')}>{formatDateTime(c.receivedAt)}</Descriptions.Item>
                <Descriptions.Item label={t('inbox.assignee')}><span data-testid="task-assignee">{tk.assignee ? (tk.assigneeName ?? tk.assignee) : '—'}</span> {tk.post ? <Tag>{t(`post.${tk.post}`, { defaultValue: tk.post })}</Tag> : null}</Descriptions.Item>
              </Descriptions>
            ) : null}
          </Card>
          <Card title={t('task.history')} size="small" style={{ marginTop: 16 }}>
            <Timeline items={[
              ...(c?.steps ?? []).filter((s) => s.status === 'completed').map((s) => ({
                color: 'green', content: <span data-testid="history-entry">{formatDateTime(s.completedAt)} {s.name} · {s.completedByName ?? c?.people?.[s.completedBy ?? ''] ?? tk.people?.[s.completedBy ?? ''] ?? s.completedBy ?? '—'} {s.outcome?.decision ? <Tag>{t(`decision.${s.outcome.decision}`, { defaultValue: s.outcome.decision })}</Tag> : null}{s.outcome?.opinion ?? ''}</span>,
              })),
              ...tk.actions.map((a) => {
                const to = typeof a.to === 'string' ? a.to : undefined;
                const who = (u: string) => tk.people?.[u] ?? c?.people?.[u] ?? u;
                return { color: 'blue', content: <span data-testid="history-entry">{formatDateTime(a.at)} {t(`audit.task_${a.type}`, { defaultValue: a.type })}{a.actor ? ` · ${who(a.actor)}` : ''}{to ? ` → ${who(to)}` : ''}{a.reason ? `：${a.reason}` : ''}</span> };
              }),
            ]} />
          </Card>
        </Col>
        <Col xs={24} xl={15}>
          <Card title={t('task.form')} size="small"
            extra={moreItems.length ? (
              <Dropdown menu={{ items: moreItems, onClick: (e) => { actionForm.resetFields(); setAction(e.key as ActionKind); } }}>
                <Button data-testid="task-more">{t('task.more')} <DownOutlined /></Button>
              </Dropdown>
            ) : null}
          >
            {open && o.claim && !o.complete ? (
              <Alert type="warning" showIcon title={t('task.notYours')} style={{ marginBottom: 12 }}
                action={<Button size="small" type="primary" loading={busy} onClick={() => void claim()} data-testid="task-claim">{t('inbox.claim')}</Button>} />
            ) : null}
            {/* said once the place's names are read: not 其他机构 first and the centre's name a moment later */}
            {notOffered && !place.loading ? (
              <Alert type="info" showIcon style={{ marginBottom: 12 }} data-testid="task-not-offered"
                title={<span data-testid="task-whose">{t('task.whose', { place: placeName })}{tk.assignee ? t('task.whoseHolder', { name: tk.assigneeName ?? tk.people?.[tk.assignee] ?? t('task.someone') }) : t('task.whoseUnclaimed')}</span>}
                description={`${t('task.notOfferedHelp')}${mayUrge ? t('task.urgeHint') : ''}`}
                action={caseNo ? <Link to={`/workbench/cases/${caseNo}`} data-testid="task-back-to-case">{t('task.openCase')}</Link> : undefined} />
            ) : null}
            {!open ? <Alert type="info" showIcon title={t('task.notOpen')} style={{ marginBottom: 12 }} /> : null}
            <ApiErrorAlert error={form.error} />
            {form.loading && form.data === undefined ? <Spin /> : form.data ? (
              <FormView ref={formRef} schema={form.data.schema} data={form.data.data} readOnly={!writable} testId="task-form" />
            ) : !open ? (
              // a finished step without a form to show: what was decided (never an empty form that looks like a decision)
              tk.outcome?.decision || tk.outcome?.opinion ? (
                <Descriptions column={1} size="small" data-testid="task-outcome">
                  {tk.outcome.decision ? <Descriptions.Item label={t('task.decision')}>{t(`decision.${tk.outcome.decision}`, { defaultValue: tk.outcome.decision })}</Descriptions.Item> : null}
                  {tk.outcome.opinion ? <Descriptions.Item label={t('task.opinion')}>{tk.outcome.opinion}</Descriptions.Item> : null}
                </Descriptions>
              ) : null
            ) : notOffered ? null : (
              <Form form={fallback} layout="vertical" disabled={!writable} initialValues={{ decision: 'approve' }}>
                <Typography.Text type="secondary">{t('task.formFallback')}</Typography.Text>
                <Form.Item name="decision" label={t('task.decision')} rules={[{ required: true }]}>
                  <Radio.Group options={['approve', 'done', 'reject'].map((d) => ({ value: d, label: t(`decision.${d}`) }))} />
                </Form.Item>
                <Form.Item name="opinion" label={t('task.opinion')}><Input.TextArea rows={3} maxLength={2000} /></Form.Item>
              </Form>
            )}
            <ApiErrorAlert error={error} />
            {writable ? (
              <Button type="primary" size="large" loading={busy} onClick={() => void complete()} data-testid="complete-task" style={{ marginTop: 12 }}>{t('task.complete')}</Button>
            ) : null}
          </Card>
        </Col>
      </Row>

      <Modal open={!!action} title={action ? t(`task.${action}`) : ''} onCancel={() => setAction(null)} onOk={() => void runAction()} confirmLoading={busy}
        okText={t('common.confirm')} cancelText={t('common.cancel')} okButtonProps={{ 'data-testid': 'action-submit' } as never}>
        <Form form={actionForm} layout="vertical">
          {action === 'transfer' || action === 'cosign' ? (
            <Form.Item name="windowId" label={t('task.toWindow')} rules={[{ required: true }]}>
              <Select showSearch={{ optionFilterProp: 'label' }} options={(windows.data ?? []).filter((w) => w.id !== tk.windowId).map((w) => ({ value: w.id, label: `${w.name}（${w.id}）` }))} />
            </Form.Item>
          ) : null}
          {action === 'cc' ? (
            <>
              <Form.Item name="to" label={t('task.toUsers')} rules={[{ required: true }]}>
                <Select mode="tags" tokenSeparators={[',', ' ']}
                  options={(windows.data ?? []).flatMap((w) => [w.postA, w.postB]).filter(Boolean).map((p) => ({ value: p!.username, label: `${p!.displayName ?? p!.username}（${p!.username}）` }))} />
              </Form.Item>
              <Form.Item name="note" label={t('task.note')}><Input maxLength={500} /></Form.Item>
            </>
          ) : (
            <Form.Item name="reason" label={t('common.reason')} rules={[{ required: true, whitespace: true, message: t('common.reasonRequired') }]}>
              <Input.TextArea rows={3} maxLength={500} data-testid="action-reason" />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </div>
  );
}
