import { ApiProblem } from './api-client';

export interface UserMessage {
  message: string;
  details: string[];
  /** the server's own (English) `detail`, for a title attribute / the console, never shown as text */
  technical?: string;
}

/**
 * Chinese headlines for the API's stable problem `code`s. The server's own
 * `detail` (often English) is not shown for a known code: it is kept as `technical`
 * (a title attribute and the console) for whoever has to look into it.
 */
const HEADLINES: Record<string, string> = {
  BAD_CREDENTIALS: '用户名或密码错误。',
  UNAUTHENTICATED: '请先登录。',
  SESSION_EXPIRED: '登录已失效，请重新登录。',
  ROLE_REQUIRED: '当前账号没有执行此操作的权限。',
  RATE_LIMITED: '操作过于频繁，请稍后再试。',
  DEFINITION_NOT_FOUND: '流程定义或该版本不存在。',
  INVALID_VERSION: '版本号不正确。',
  INVALID_ID: '标识不合法。',
  BPMN_MALFORMED: 'BPMN 文件格式错误，无法解析。',
  BPMN_WARNINGS: '流程图解析时有警告，平台不予部署，请先修正。',
  BPMN_TOO_LARGE: '流程图文件过大。',
  BPMN_TOO_DEEP: '流程图元素嵌套层级过深，平台不予部署。',
  BPMN_DOCTYPE_REFUSED: '流程图文件不得包含 DOCTYPE 或实体声明（出于安全原因拒绝部署）。',
  DECISION_NOT_FOUND: '业务规则任务所用的决策表尚未部署（或所绑定的版本不存在）：请先部署决策表。',
  CALLED_PROCESS_NOT_FOUND: '调用活动所调用的流程尚未部署（或所绑定的版本不存在）：请先部署被调用的流程。',
  MESSAGE_ID_REUSED: '该消息编号已用于另一条消息（名称或业务编号不同），请换用新的消息编号。',
  BODY_TOO_LARGE: '提交的内容过大。',
  NO_EXECUTABLE_PROCESS: '流程图中没有可执行的流程（请在属性中勾选“可执行”）。',
  MULTIPLE_EXECUTABLE_PROCESSES: '流程图中有多个可执行流程，一次只能部署一个。',
  INVALID_DIAGRAM: '流程图校验未通过。',
  SCRIPT_TASK_REFUSED: '平台不允许脚本任务，请改用用户任务或服务任务。',
  INCLUSIVE_JOIN_UNSUPPORTED: '引擎不支持包容网关汇聚，请改用并行网关汇聚。',
  UNSUPPORTED_ELEMENT: '流程图包含引擎不支持的元素。',
  DEPLOY_CONTENDED: '有人正在同时部署此流程，请稍后重试。',
  CHANGE_NOTE_REQUIRED: '部署需要填写变更说明。',
  CHANGE_NOTE_TOO_LONG: '变更说明过长（最多 500 字）。',
  INVALID_CHANGE_NOTE: '变更说明的编码不正确。',
  DEFINITION_ARCHIVED: '此流程已归档，不再受理新办件；如需继续使用，请流程设计员先恢复。',
  UNSUPPORTED_MEDIA_TYPE: '提交的内容类型不受支持。',
  DATABASE_UNAVAILABLE: '数据库暂时不可用，请稍后重试。',
  STALE: '数据已被他人修改，请刷新后重试。',
  INTERNAL: '服务器内部错误，已记录日志，请稍后重试。',
  // forms (表单)
  FORM_NOT_FOUND: '表单或该版本不存在。',
  INVALID_FORM_ID: '表单标识不合法：只能用小写字母、数字和连字符。',
  FORM_SCHEMA_INVALID: '表单内容不符合平台要求，未保存。',
  FORM_CHANGED: '表单已被他人保存了新版本，请重新打开后再修改。',
  // public pages (办事指南 / 办件查询 / 好差评 / 投诉举报)
  ITEM_NOT_FOUND: '该办理事项不存在。',
  ITEM_OR_DEFINITION_REQUIRED: '请先选择办理事项或流程。',
  ESCALATION_NOT_FOUND: '该督办事项不存在。',
  ESCALATION_STATE: '该督办事项的状态已变化，当前不能执行此操作，请刷新后重试。',
  SUPERVISOR_ONLY: '只有督查员可以处理督办事项。',
  NOT_SUPERVISED_UNIT: '只有责任人或被督办单位的中心主任可以回复督办通知。',
  DISCIPLINE_ONLY: '投诉举报由纪委和督查员处理，当前账号无权查看。',
  NOT_YOUR_COMPLAINT: '只有本镇纪委或督查员可以答复该投诉。',
  ALREADY_REPLIED: '该投诉已答复。',
  TASK_ALREADY_COMPLETED: '该环节已办理完毕（可能已由他人或在另一窗口办理），请刷新查看最新状态。',
  IDEMPOTENCY_IN_FLIGHT: '上一次提交仍在处理中，请稍候片刻再查看结果，不要重复提交。',
  IDEMPOTENCY_KEY_REUSED: '本次提交与上一次的内容不同，请刷新页面后重新提交。',
  CITY_ONLY: '镇街排名仅供市政管办和督查员查看。',
  OTHER_ORG_UNIT: '只能查看本单位的统计数据。',
  DIAGRAM_NOT_FOUND: '该事项的流程图暂未发布。',
  ORG_UNIT_NOT_FOUND: '该服务中心不存在。',
  UNKNOWN_ORG_UNIT: '该服务中心不存在，请重新选择。',
  CASE_NOT_FOUND: '没有找到该办件，请核对办件编号和查询码（或手机号）。',
  COMPLAINT_NOT_FOUND: '没有找到该投诉，请核对投诉编号和查询码。',
  ALREADY_RATED: '该环节已经评价过，每个环节只能评价一次。',
  NOT_ACCEPTED: '办件尚未受理，暂不能评价受理服务。',
  NOT_COMPLETED: '办件尚未办结，暂不能评价办结服务。',
  NO_FOLLOW_UP_YET: '差评回访后才能重新评价。',
  TARGET_REQUIRED: '请写明投诉对象（办件编号、窗口或工作人员）。',
  UNKNOWN_WINDOW: '所选窗口不属于该服务中心。',
  INVALID_PHONE: '联系电话格式不正确，请填写手机号或固定电话。',
  INVALID_REQUEST: '填写的内容有误，请检查后重试。',
};

const HAS_CJK = /[\u4e00-\u9fff]/;

/**
 * Turn anything thrown into a message for the status area. For API problems:
 * a Chinese `detail` is shown as is; otherwise a Chinese headline for the
 * `code` with the server's detail (or its list of problems) underneath.
 */
export function toUserMessage(error: unknown, fallback = '操作失败，请稍后重试。'): UserMessage {
  if (error instanceof ApiProblem) {
    const problem = error.problem;
    const lines = extractDetailLines(problem);
    const detail = typeof problem.detail === 'string' ? problem.detail.trim() : '';
    const headline = error.code ? HEADLINES[error.code] : undefined;
    if (detail && HAS_CJK.test(detail)) {
      return { message: detail, details: lines };
    }
    if (headline) {
      // the detail of a validation failure is the problems joined; list them instead
      return { message: lines.length > 0 ? `${headline}共 ${lines.length} 个问题：` : headline, details: lines, ...(detail ? { technical: detail } : {}) };
    }
    return { message: detail || error.message || fallback, details: lines };
  }
  if (error instanceof Error && error.message) {
    return { message: `${fallback}（${error.message}）`, details: [] };
  }
  return { message: fallback, details: [] };
}

/** Lists the API attaches to problems: `issues` (request validation) and `details.problems` (diagram validation). */
function extractDetailLines(problem: Record<string, unknown>): string[] {
  const lists: unknown[] = [problem.errors, problem.issues];
  const details = problem.details;
  if (details && typeof details === 'object') {
    const record = details as Record<string, unknown>;
    lists.push(record.problems, record.warnings, record.issues);
  }
  const lines: string[] = [];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      if (typeof item === 'string') {
        lines.push(item);
      } else if (item && typeof item === 'object') {
        const record = item as Record<string, unknown>;
        const text = record.message ?? record.detail ?? record.title;
        const where = record.elementId ?? record.path;
        if (typeof text === 'string') {
          lines.push(typeof where === 'string' && where !== '' ? `${where}：${text}` : text);
        }
      }
    }
  }
  return lines;
}
