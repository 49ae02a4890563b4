import { h } from '@bpmn-io/properties-panel/preact';
import {
  SelectEntry,
  TextFieldEntry,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import { CASE_CATEGORIES, ORG_LEVELS, STEP_KINDS, WINDOWS, getFormOptions, type SvcOption } from './svc-options';

/**
 * Adds two groups for our `svc` moddle extension (processes/moddle/service-centre.json):
 *
 * - 事项属性 on a process (or a pool's process): svc:itemCode, svc:caseCategory, svc:orgLevel
 * - 时限与窗口 on a user task: svc:timeLimit, svc:window, svc:orgLevel, svc:stepKind, and the
 *   task's form (camunda:formKey = `form:<formId>`, chosen from GET /api/forms)
 *
 * Follows bpmn-js-properties-panel's custom provider pattern; components are
 * built with preact's `h` (no JSX).
 */

const LOW_PRIORITY = 500;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Element = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModdleElement = any;

interface Entry {
  id: string;
  attr: string;
  label: string;
  description?: string;
  options?: SvcOption[] | (() => SvcOption[]);
  component: (props: SvcEntryProps) => unknown;
  isEdited: (node: HTMLElement | null) => boolean;
}

interface Group {
  id: string;
  label: string;
  entries: Entry[];
}

export default class SvcPropertiesProvider {
  static $inject = ['propertiesPanel', 'translate'];

  private readonly translate: (text: string) => string;

  constructor(propertiesPanel: { registerProvider(priority: number, provider: unknown): void }, translate: (text: string) => string) {
    this.translate = translate;
    propertiesPanel.registerProvider(LOW_PRIORITY, this);
  }

  getGroups(element: Element): (groups: Group[]) => Group[] {
    return (groups) => {
      const process = getProcess(element);
      if (process) {
        insertAfterGeneral(groups, {
          id: 'svc-item',
          label: this.translate('事项属性'),
          entries: [
            textEntry('svc-itemCode', 'itemCode', '事项编码', '本事项在事项目录中的编码，如 XY-SHSW-001。'),
            selectEntry('svc-caseCategory', 'caseCategory', '办件类型', CASE_CATEGORIES),
            selectEntry('svc-process-orgLevel', 'orgLevel', '层级', ORG_LEVELS),
          ],
        });
      }
      if (is(element, 'bpmn:UserTask')) {
        insertAfterGeneral(groups, {
          id: 'svc-step',
          label: this.translate('时限与窗口'),
          entries: [
            textEntry('svc-timeLimit', 'timeLimit', '承诺时限', '按工作日写作 5WD（5 个工作日），或 ISO-8601 时长，如 PT2H、P3D、PT30S。'),
            selectEntry('svc-window', 'window', '窗口 / 部门', WINDOWS),
            selectEntry('svc-step-orgLevel', 'orgLevel', '层级', ORG_LEVELS),
            selectEntry('svc-stepKind', 'stepKind', '环节类型', STEP_KINDS),
            selectEntry('svc-formKey', 'camunda:formKey', '表单', getFormOptions),
          ],
        });
      }
      const message = messageRole(element);
      if (message === 'throw') {
        insertAfterGeneral(groups, {
          id: 'svc-message',
          label: this.translate('消息'),
          entries: [textEntry('svc-messageVariables', 'messageVariables', '随消息发送的变量', '发送消息时一并带给接收方的流程变量名，多个用逗号分隔。')],
        });
      } else if (message === 'catch') {
        insertAfterGeneral(groups, {
          id: 'svc-message',
          label: this.translate('消息'),
          entries: [selectEntry('svc-messageSender', 'messageSender', '消息来源', MESSAGE_SENDERS)],
        });
      }
      return groups;
    };
  }
}

/** Who sends a message a catch waits for, when no deployed process throws it (svc:messageSender). */
const MESSAGE_SENDERS: SvcOption[] = [{ value: 'api', label: '外部接口（外部系统经接口发送）' }];

/** 'throw' for a message throw or end event, 'catch' for a message catch, boundary or start event or a receive task. */
function messageRole(element: Element): 'throw' | 'catch' | undefined {
  const bo = getBusinessObject(element);
  if (is(element, 'bpmn:ReceiveTask')) return 'catch';
  const hasMessage = (bo?.eventDefinitions ?? []).some((d: ModdleElement) => is(d, 'bpmn:MessageEventDefinition'));
  if (!hasMessage) return undefined;
  if (is(element, 'bpmn:IntermediateThrowEvent') || is(element, 'bpmn:EndEvent')) return 'throw';
  if (is(element, 'bpmn:IntermediateCatchEvent') || is(element, 'bpmn:BoundaryEvent') || is(element, 'bpmn:StartEvent')) return 'catch';
  return undefined;
}

function insertAfterGeneral(groups: Group[], group: Group): void {
  const general = groups.findIndex((g) => g.id === 'general');
  groups.splice(general >= 0 ? general + 1 : groups.length, 0, group);
}

/** The moddle element carrying the attribute: the process for process groups, else the task. */
function targetOf(element: Element, attr: string): ModdleElement {
  if (attr === 'itemCode' || attr === 'caseCategory' || (attr === 'orgLevel' && !is(element, 'bpmn:UserTask'))) {
    return getProcess(element);
  }
  return getBusinessObject(element);
}

function getProcess(element: Element): ModdleElement | undefined {
  if (is(element, 'bpmn:Process')) return getBusinessObject(element);
  if (is(element, 'bpmn:Participant')) return getBusinessObject(element).get('processRef') ?? undefined;
  return undefined;
}

function useAttribute(element: Element, attr: string) {
  const commandStack = useService('commandStack');
  const moddleElement = targetOf(element, attr);
  const name = attr.includes(':') ? attr : `svc:${attr}`;
  const getValue = (): string => {
    const value = moddleElement?.get(name);
    return value === undefined || value === null ? '' : String(value);
  };
  const setValue = (value: string | undefined): void => {
    const trimmed = typeof value === 'string' ? value.trim() : value;
    commandStack.execute('element.updateModdleProperties', {
      element,
      moddleElement,
      properties: { [name]: trimmed === '' ? undefined : trimmed },
    });
  };
  return { getValue, setValue };
}

/*
 * The components are module-level (stable identities): the panel re-runs
 * getGroups after every change, and a new function per call would remount the
 * field and steal the focus while typing. Entry fields reach them as props.
 */

interface SvcEntryProps {
  element: Element;
  id: string;
  attr: string;
  label: string;
  description?: string;
  options?: SvcOption[] | (() => SvcOption[]);
}

function SvcTextField(props: SvcEntryProps) {
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const { getValue, setValue } = useAttribute(props.element, props.attr);
  return h(TextFieldEntry, {
    element: props.element,
    id: props.id,
    label: translate(props.label),
    description: props.description ? translate(props.description) : undefined,
    getValue,
    setValue,
    debounce,
  });
}

function SvcSelect(props: SvcEntryProps) {
  const translate = useService('translate');
  const { getValue, setValue } = useAttribute(props.element, props.attr);
  const getOptions = () => {
    const options = (typeof props.options === 'function' ? props.options() : props.options) ?? [];
    const current = getValue();
    const list = [{ value: '', label: translate('（未设置）') }, ...options.map((o) => ({ value: o.value, label: translate(o.label) }))];
    // keep a value written by hand or by another tool visible instead of silently dropping it
    if (current && !options.some((o) => o.value === current)) {
      list.push({ value: current, label: `${current}（非标准值）` });
    }
    return list;
  };
  return h(SelectEntry, {
    element: props.element,
    id: props.id,
    label: translate(props.label),
    getValue,
    setValue,
    getOptions,
  });
}

function textEntry(id: string, attr: string, label: string, description: string): Entry {
  return { id, attr, label, description, component: SvcTextField, isEdited: isTextFieldEntryEdited };
}

function selectEntry(id: string, attr: string, label: string, options: SvcOption[] | (() => SvcOption[])): Entry {
  return { id, attr, label, options, component: SvcSelect, isEdited: isSelectEntryEdited };
}
