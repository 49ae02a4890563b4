import { Alert, Space, Spin, Tag, Typography } from 'antd';
import { createContext, Fragment, useContext, useMemo, type ReactNode } from 'react';
import { useApi } from '../../app/ApiError';
import { publicApi, type Guide, type GuideStep } from './api';
import { PublicError, useDuration, usePublicT } from './common';
import { procedureFlow, type FlowAlternative, type FlowStage, type FlowStep, type ProcedureFlow } from './procedure-flow';

/**
 * What the item's call activities bring (the guide's steps with `calledBy`): the steps of the called
 * process (上报件: 市中心审批 under 报市中心审批) and, for a review called once per joint department
 * (联办件's 各部门并联审查), the item's departments side by side.
 */
interface CalledInfo {
  stepsOf(callId: string): GuideStep[];
  departments: string[];
}
const Called = createContext<CalledInfo>({ stepsOf: () => [], departments: [] });

/** The departments of a per-department call, each with the steps it does; null when the call is not one. */
function useJointBranches(step: FlowStep): { department: string; label: string; steps: GuideStep[] }[] | null {
  const { t } = usePublicT();
  const called = useContext(Called);
  const steps = called.stepsOf(step.id);
  const perDept = steps.filter((s) => s.perJointDepartment);
  if (!perDept.length || !called.departments.length) return null;
  return called.departments.map((d) => ({ department: d, label: t(`departments.${d}`, { defaultValue: d }), steps: perDept }));
}

/** Under a call activity in the step list: the departments reviewing at the same time, or the called process's steps. */
function CalledSteps({ step }: { step: FlowStep }) {
  const { t } = usePublicT();
  const called = useContext(Called);
  const joint = useJointBranches(step);
  const others = called.stepsOf(step.id).filter((s) => !(joint && s.perJointDepartment));
  return (
    <>
      {joint ? (
        <div className="procedure-joint" data-testid="procedure-joint">
          <div className="procedure-parallel-label">{step.multiInstance === 'sequential' ? t('item.flow.jointDepartmentsSequential') : t('item.flow.jointDepartments')}：</div>
          <ul className="procedure-branches" data-testid="procedure-joint-departments">
            {joint.map((b) => (
              <li key={b.department} data-testid="procedure-joint-department" data-department={b.department}>
                <span className="procedure-name" data-testid="procedure-joint-department-name">{b.label}</span>
                {b.steps.map((st) => (
                  <Fragment key={st.elementId}>
                    {' · '}<span className="procedure-name">{st.name}</span> <StepTags step={st} />
                  </Fragment>
                ))}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {others.length ? (
        <ul className="procedure-branches" data-testid="procedure-called">
          {others.map((st) => (
            <li key={st.elementId} data-testid="procedure-called-step">
              <span className="procedure-or">{t('item.flow.called')}</span> <span className="procedure-name">{st.name}</span> <StepTags step={st} />
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

/**
 * 办理流程 of the guide: the numbered step list and the flow chart, both built from the
 * deployed diagram as an applicant reads it (procedure-flow.ts): internal timers and
 * escalations and gateways left out, a decision's other ways shown as alternatives ("或"),
 * steps at the same time side by side. HTML, not a scaled BPMN canvas, so it fits a phone's
 * width with 14 px labels.
 */
export function ProcedureView({ guide }: { guide: Guide }) {
  const { t } = usePublicT();
  const p = guide.disclosures.procedure;
  const xml = useApi(() => publicApi.diagram(guide.code), [guide.code]);
  const flow = useMemo(() => (xml.data ? procedureFlow(xml.data) : null), [xml.data]);
  const meta = useMemo(() => new Map(p.steps.map((s) => [s.elementId, s])), [p.steps]);
  const called = useMemo<CalledInfo>(() => {
    const byCall = new Map<string, GuideStep[]>();
    for (const s of p.steps) if (s.calledBy) byCall.set(s.calledBy, [...(byCall.get(s.calledBy) ?? []), s]);
    return { stepsOf: (id) => byCall.get(id) ?? [], departments: (p.jointDepartments ?? []).filter(Boolean) };
  }, [p.steps, p.jointDepartments]);

  if (xml.error) return <PublicError error={xml.error} onRetry={xml.reload} />;
  if (xml.loading && xml.data === undefined) return <Spin />;
  return (
    <Called.Provider value={called}>
      <Typography.Title level={5} style={{ marginTop: 0 }}>{t('item.steps')}</Typography.Title>
      {flow ? <StepList flow={flow} meta={meta} /> : <FlatList steps={p.steps} />}
      {p.jointDepartments?.length ? (
        <Typography.Paragraph style={{ marginTop: 12 }}>
          {t('item.joint')}：{p.jointDepartments.map((x) => t(`departments.${x}`, { defaultValue: x })).join('、')}
        </Typography.Paragraph>
      ) : null}
      <Typography.Title level={5}>{t('item.diagram')}{p.definitionVersion ? `（v${p.definitionVersion}）` : ''}</Typography.Title>
      {flow ? (
        <>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>{t('item.diagramHint')}</Typography.Paragraph>
          <FlowChart flow={flow} />
        </>
      ) : (
        <Alert type="info" showIcon title={t('item.diagramMissing')} />
      )}
    </Called.Provider>
  );
}

function StepTags({ step }: { step?: GuideStep }) {
  const { t } = usePublicT();
  const duration = useDuration();
  if (!step) return null;
  return (
    <Space size={[4, 4]} wrap className="procedure-tags">
      {step.orgLevel ? <Tag>{t(`stepLevels.${step.orgLevel}`, { defaultValue: step.orgLevel })}</Tag> : null}
      {step.kind ? <Tag color="blue">{t(`stepKinds.${step.kind}`, { defaultValue: step.kind })}</Tag> : null}
      {step.timeLimit ? <span className="procedure-limit">{t('item.stepLimit')}：{duration(step.timeLimit)}</span> : null}
    </Space>
  );
}

/** "不予许可：告知申请人不予许可 → 结束：不予许可" */
function useAltText() {
  const { t } = usePublicT();
  return (a: FlowAlternative): { condition?: string; rest: string } => {
    const parts = a.steps.map((s) => s.name);
    if (a.end) parts.push(t('item.flow.end', { name: a.end.name }));
    if (a.backTo) parts.push(t('item.flow.backTo', { name: a.backTo.name }));
    if (a.skipTo) parts.push(t('item.flow.skipTo', { name: a.skipTo.name }));
    return { condition: a.condition, rest: parts.join(' → ') };
  };
}

function StepList({ flow, meta }: { flow: ProcedureFlow; meta: Map<string, GuideStep> }) {
  const { t } = usePublicT();
  const altText = useAltText();
  return (
    <ol className="procedure-list" data-testid="procedure-steps">
      {flow.stages.map((s, i) => (
        <li key={i} data-testid="procedure-stage" data-kind={s.kind}>
          {s.kind === 'step' ? (
            <>
              <div className="procedure-step"><span className="procedure-name" data-testid="procedure-step-name">{s.step.name}</span><StepTags step={meta.get(s.step.id)} /></div>
              <CalledSteps step={s.step} />
              {s.alternatives.length ? (
                <ul className="procedure-alts">
                  {s.alternatives.map((a, j) => {
                    const { condition, rest } = altText(a);
                    return (
                      <li key={j} data-testid="procedure-alt">
                        <span className="procedure-or">{t('item.flow.or')}</span>
                        {condition ? <span className="procedure-cond">{condition}：</span> : null}
                        <span>{rest}</span>
                      </li>
                    );
                  })}
                </ul>
              ) : null}
            </>
          ) : (
            <>
              <div className="procedure-parallel-label">{s.inclusive ? t('item.flow.parallelSome') : t('item.flow.parallel')}：</div>
              <ul className="procedure-branches" data-testid="procedure-parallel">
                {s.branches.map((b, j) => (
                  <li key={j}>
                    {b.map((st, k) => (
                      <Fragment key={st.id}>
                        {k ? ' → ' : null}
                        <span className="procedure-name" data-testid="procedure-step-name">{st.name}</span> <StepTags step={meta.get(st.id)} />
                      </Fragment>
                    ))}
                  </li>
                ))}
              </ul>
            </>
          )}
        </li>
      ))}
      {flow.end ? (
        <li className="procedure-result" data-testid="procedure-end">
          <span className="procedure-name">{t('item.flow.result')}：{flow.end.name}</span>
        </li>
      ) : null}
    </ol>
  );
}

/** Without a deployed diagram: the steps the catalogue knows, in order. */
function FlatList({ steps }: { steps: GuideStep[] }) {
  return (
    <ol className="procedure-list" data-testid="procedure-steps">
      {steps.map((s) => (
        <li key={s.elementId} data-testid="procedure-stage" data-kind="step">
          <div className="procedure-step"><span className="procedure-name" data-testid="procedure-step-name">{s.name}</span><StepTags step={s} /></div>
        </li>
      ))}
    </ol>
  );
}

function Box({ step, kind = 'task', children }: { step?: FlowStep; kind?: 'task' | 'start' | 'end' | 'alt'; children?: ReactNode }) {
  return (
    <div className={`flow-node flow-${kind}`} data-element-id={step?.id} data-testid="flow-node">
      {children ?? step?.name}
    </div>
  );
}

const Arrow = () => <div className="flow-arrow" aria-hidden />;

function FlowChart({ flow }: { flow: ProcedureFlow }) {
  const { t } = usePublicT();
  return (
    <div className="flow-chart" data-testid="guide-diagram" data-imported="true" role="img" aria-label={t('item.diagram')}>
      <Box kind="start">{flow.start?.name ?? t('item.flow.start')}</Box>
      {flow.stages.map((s, i) => (
        <Fragment key={i}>
          <Arrow />
          <Stage stage={s} />
        </Fragment>
      ))}
      {flow.end ? (
        <>
          <Arrow />
          <Box step={flow.end} kind="end" />
        </>
      ) : null}
    </div>
  );
}

function Stage({ stage }: { stage: FlowStage }) {
  const { t } = usePublicT();
  if (stage.kind === 'parallel') {
    return (
      <div className="flow-parallel" data-testid="flow-parallel">
        <div className="flow-parallel-label">{stage.inclusive ? t('item.flow.parallelSome') : t('item.flow.parallel')}</div>
        <div className="flow-parallel-branches">
          {stage.branches.map((b, j) => (
            <div className="flow-branch" key={j}>
              {b.map((st, k) => (
                <Fragment key={st.id}>
                  {k ? <Arrow /> : null}
                  <Box step={st} />
                </Fragment>
              ))}
            </div>
          ))}
        </div>
      </div>
    );
  }
  return (
    <div className="flow-row">
      <CallBox step={stage.step} />
      {stage.alternatives.length ? (
        <div className="flow-alts">
          {stage.alternatives.map((a, j) => (
            <div className="flow-alt" key={j} data-testid="flow-alt">
              <span className="flow-or">{t('item.flow.or')}</span>
              {a.condition ? <span className="flow-cond">{a.condition}</span> : null}
              {a.steps.map((s) => (
                <Fragment key={s.id}>
                  <span className="flow-to" aria-hidden>→</span>
                  <Box step={s} kind="alt" />
                </Fragment>
              ))}
              {a.end ? (<><span className="flow-to" aria-hidden>→</span><Box step={a.end} kind="end" /></>) : null}
              {a.backTo ? (<><span className="flow-to" aria-hidden>↺</span><span className="flow-back">{t('item.flow.backTo', { name: a.backTo.name })}</span></>) : null}
              {a.skipTo ? (<><span className="flow-to" aria-hidden>→</span><span className="flow-back">{t('item.flow.skipTo', { name: a.skipTo.name })}</span></>) : null}
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}

/** A step of the chart; a review called once per joint department: the departments side by side under its name. */
function CallBox({ step }: { step: FlowStep }) {
  const joint = useJointBranches(step);
  if (!joint) return <Box step={step} />;
  return (
    <div className="flow-parallel" data-testid="flow-joint" data-element-id={step.id}>
      <div className="flow-parallel-label">{step.name}</div>
      <div className="flow-parallel-branches">
        {joint.map((b) => (
          <div className="flow-branch" key={b.department}>
            <Box>{b.label}：{b.steps.map((s) => s.name).join('、')}</Box>
          </div>
        ))}
      </div>
    </div>
  );
}
