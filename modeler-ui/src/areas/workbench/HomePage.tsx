import { FileAddOutlined, InboxOutlined } from '@ant-design/icons';
import { App as AntApp, Alert, Button, Card, Col, DatePicker, Descriptions, Empty, Form, Input, List, Modal, Row, Select, Space, Statistic, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api-client';
import { ApiErrorAlert, useApi, useErrorToast } from '../../app/ApiError';
import { useMe } from './common';
import { formatDateTime } from './format';
import type { Duty, OrgUnit, WindowView } from './types';
import type { InboxCounts } from './InboxPage';

/** 工作台首页: my window and post, counts, duty status (离岗 / 到岗) and who stands in for whom. */
export function HomePage() {
  const { t } = useTranslation('workbench');
  const navigate = useNavigate();
  const { message } = AntApp.useApp();
  const toast = useErrorToast();
  const me = useMe();
  const user = me.data?.me;
  const win = me.data?.window ?? null;
  // the sizes of the inboxes, counted by the server (a clerk may hold hundreds of steps: none is read here)
  const tasks = useApi(() => api.get<InboxCounts>('/api/inbox/counts'), [user?.windowId]);
  const units = useApi(() => api.get<OrgUnit[]>('/api/org/units').catch(() => [] as OrgUnit[]), []);
  const centreName = units.data?.find((u) => u.id === (win?.orgUnit ?? user?.orgUnit))?.name;
  const windows = useApi(async () => (user?.orgUnit ? api.get<WindowView[]>(`/api/org/units/${encodeURIComponent(user.orgUnit)}/windows`) : []), [user?.orgUnit]);
  const [awayOpen, setAwayOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ reason: string; until?: { toISOString(): string }; standIn?: string }>();

  const myPost = win ? (win.postA?.username === user?.username ? 'A' : win.postB?.username === user?.username ? 'B' : undefined) : undefined;
  const myDuty: Duty | undefined = win ? (myPost === 'A' ? win.postA?.duty : win.postB?.duty) : undefined;
  const away = myDuty?.status === 'away';

  const people = useMemo(() => {
    const out: { username: string; displayName?: string; window: string; duty: Duty }[] = [];
    for (const w of windows.data ?? []) for (const p of [w.postA, w.postB]) if (p) out.push({ ...p, window: w.name });
    return out;
  }, [windows.data]);
  const standIns = people.filter((p) => p.duty.status === 'away' && p.duty.standIn);
  const nameOf = (u?: string) => people.find((p) => p.username === u)?.displayName ?? u ?? '';

  const reload = () => { me.reload(); tasks.reload(); windows.reload(); };
  const setDuty = async (body: Record<string, unknown>) => {
    setBusy(true);
    try {
      const r = await api.put<{ movedTasks: number; duty: Duty }>(`/api/org/staff/${encodeURIComponent(user!.username)}/duty`, body);
      void message.success(t(body.status === 'away' ? 'home.awayDone' : 'home.backDone', { n: r.movedTasks }));
      setAwayOpen(false);
      form.resetFields();
      reload();
    } catch (e) {
      toast(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div data-testid="workbench-home">
      <Typography.Title level={3}>{t('home.title')}</Typography.Title>
      <ApiErrorAlert error={me.error} onRetry={me.reload} />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={10}>
          <Card title={t('home.window')} loading={me.loading && !me.data}>
            {win ? (
              <Descriptions column={1} size="small">
                <Descriptions.Item label={t('home.window')}><span data-testid="my-window">{win.name}</span>{centreName ? <span data-testid="my-centre">（{centreName}）</span> : null}</Descriptions.Item>
                <Descriptions.Item label={t('home.post')}><Tag color="blue" data-testid="my-post">{myPost ? t(`post.${myPost}`) : '—'}</Tag></Descriptions.Item>
                <Descriptions.Item label={t('home.postA')}>{win.postA?.displayName ?? '—'} {win.postA ? <DutyTag duty={win.postA.duty} /> : null}</Descriptions.Item>
                <Descriptions.Item label={t('home.postB')}>{win.postB?.displayName ?? '—'} {win.postB ? <DutyTag duty={win.postB.duty} /> : null}</Descriptions.Item>
                <Descriptions.Item label={t('home.receiver')}>{nameOf(win.receiver ?? undefined) || '—'}</Descriptions.Item>
              </Descriptions>
            ) : <Empty description={t('home.noWindow')} />}
            <Space style={{ marginTop: 12 }}>
              <Button type="primary" icon={<FileAddOutlined />} onClick={() => navigate('/workbench/intake')} disabled={!win}>{t('home.goIntake')}</Button>
              <Button icon={<InboxOutlined />} onClick={() => navigate('/workbench/inbox')}>{t('home.goInbox')}</Button>
            </Space>
          </Card>
        </Col>
        <Col xs={24} lg={14}>
          <Card title={t('inbox.title')} loading={tasks.loading && !tasks.data}>
            <Row gutter={16}>
              <Col span={6}><Statistic title={t('home.todo')} value={tasks.data?.mine.total ?? 0} data-testid="count-todo" /></Col>
              <Col span={6}><Statistic title={t('home.dueSoon')} value={tasks.data?.mine.warned ?? 0} valueStyle={{ color: '#d48806' }} data-testid="count-warned" /></Col>
              <Col span={6}><Statistic title={t('home.overdue')} value={tasks.data?.mine.late ?? 0} valueStyle={{ color: '#c23a2b' }} data-testid="count-late" /></Col>
              <Col span={6}><Statistic title={t('home.windowTodo')} value={tasks.data?.window ?? 0} /></Col>
            </Row>
          </Card>
          <Card title={t('home.duty')} style={{ marginTop: 16 }} loading={me.loading && !me.data}>
            {win && myDuty ? (
              <Space direction="vertical" style={{ width: '100%' }}>
                <Space>
                  <DutyTag duty={myDuty} testId="my-duty" />
                  {away ? <span>{myDuty.reason}{myDuty.standIn ? ` · ${t('home.standIn')}：${nameOf(myDuty.standIn)}` : ''}</span> : null}
                </Space>
                {away
                  ? <Button type="primary" loading={busy} onClick={() => void setDuty({ status: 'present' })} data-testid="duty-back">{t('home.comeBack')}</Button>
                  : <Button onClick={() => setAwayOpen(true)} data-testid="duty-away">{t('home.goAway')}</Button>}
              </Space>
            ) : <Empty description={t('home.noWindow')} />}
            <Typography.Title level={5} style={{ marginTop: 16 }}>{t('home.standIn')}</Typography.Title>
            {standIns.length ? (
              <List
                size="small"
                dataSource={standIns}
                data-testid="stand-ins"
                renderItem={(p) => (
                  <List.Item>
                    {p.duty.standIn === user?.username
                      ? <Alert type="info" showIcon title={t('home.iStandIn', { who: p.displayName ?? p.username })} style={{ width: '100%' }} />
                      : <span>{p.window}：{t('home.standInOf', { who: p.displayName ?? p.username, standIn: nameOf(p.duty.standIn) })}{p.duty.reason ? `（${p.duty.reason}）` : ''}</span>}
                  </List.Item>
                )}
              />
            ) : <Typography.Text type="secondary">{t('home.nobodyAway')}</Typography.Text>}
          </Card>
        </Col>
      </Row>

      <Modal
        open={awayOpen}
        title={t('home.goAway')}
        onCancel={() => setAwayOpen(false)}
        okText={t('common.confirm')}
        cancelText={t('common.cancel')}
        confirmLoading={busy}
        onOk={() => void form.validateFields().then((v) => setDuty({ status: 'away', reason: v.reason, until: v.until?.toISOString(), standIn: v.standIn || undefined }), () => undefined /* the form shows what is wrong */)}
        okButtonProps={{ 'data-testid': 'duty-away-submit' } as never}
      >
        <Form form={form} layout="vertical">
          <Form.Item name="reason" label={t('home.awayReason')} rules={[{ required: true, whitespace: true, message: t('common.reasonRequired') }]}>
            <Input maxLength={300} data-testid="duty-reason" />
          </Form.Item>
          <Form.Item name="until" label={t('home.until')}>
            <DatePicker showTime format="YYYY-MM-DD HH:mm" style={{ width: '100%' }} />
          </Form.Item>
          <Form.Item name="standIn" label={t('home.standIn')} extra={t('home.standInHelp')}>
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              options={people.filter((p) => p.username !== user?.username && p.duty.status !== 'away').map((p) => ({ value: p.username, label: `${p.displayName ?? p.username}（${p.window}）` }))}
            />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}

function DutyTag({ duty, testId }: { duty: Duty; testId?: string }) {
  const { t } = useTranslation('workbench');
  return duty.status === 'away'
    ? <Tag color="orange" data-testid={testId} data-duty="away">{t('home.away')}{duty.until ? ` · ${formatDateTime(duty.until)}` : ''}</Tag>
    : <Tag color="green" data-testid={testId} data-duty="present">{t('home.present')}</Tag>;
}
