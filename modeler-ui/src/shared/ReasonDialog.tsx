import { Form, Input, Modal, Typography, type ButtonProps } from 'antd';
import { useCallback, useState, type ReactNode } from 'react';
import { ApiErrorAlert } from '../app/ApiError';

/**
 * One submission at a time: `busy` while `action` runs, its refusal in `error` (shown by
 * `ApiErrorAlert`), cleared when it is tried again. `run` resolves to whether it went through.
 */
export function useSubmit<A extends unknown[]>(action: (...args: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (...args: A): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await action(...args);
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, [action]);
  return { busy, error, run };
}

export interface ReasonDialogProps {
  /** The dialog's title, e.g. 终止 · XX-20261207-0001. */
  title: ReactNode;
  /** What the text field is for (its label), e.g. 原因 / 答复内容. */
  label: ReactNode;
  /** The message under the field when it is left empty. */
  requiredMessage: string;
  /** Read-only context above the field (a hint, the complaint being answered). */
  hint?: ReactNode;
  maxLength: number;
  rows?: number;
  okText: string;
  cancelText: string;
  /** A destructive action (终止): the OK button red. */
  danger?: boolean;
  /** data-testid of the OK button and of the text field. */
  submitTestId: string;
  inputTestId: string;
  /** More fields under the text, in the same form (the reply deadline of a 督办通知); their values come to `onSubmit`. */
  children?: ReactNode;
  /** Initial values of those fields. */
  initialValues?: Record<string, unknown>;
  /** Sends the text (and the other fields' values); a refusal stays in the dialog (problem+json as ApiErrorAlert shows it), the dialog stays open. */
  onSubmit: (text: string, values: Record<string, unknown>) => Promise<unknown>;
  onClose: () => void;
  /** After `onSubmit` went through. */
  onDone: () => void;
}

/**
 * A dialog that asks for one required text — the reason of a cancellation (终止故障办件), the reply
 * to a complaint (投诉答复), the reason or notice of an escalation's action (督办) — and submits it;
 * the server's refusal is shown inside it.
 */
export function ReasonDialog({ title, label, requiredMessage, hint, maxLength, rows = 3, okText, cancelText, danger, submitTestId, inputTestId, children, initialValues, onSubmit, onClose, onDone }: ReasonDialogProps) {
  const [form] = Form.useForm<{ text: string } & Record<string, unknown>>();
  const { busy, error, run } = useSubmit(onSubmit);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    if (await run(v.text, v)) onDone();
  };
  return (
    <Modal open title={title} onCancel={onClose} onOk={() => void submit()} confirmLoading={busy}
      okText={okText} cancelText={cancelText} okButtonProps={{ danger, 'data-testid': submitTestId } as ButtonProps} destroyOnHidden>
      <ApiErrorAlert error={error} />
      {hint ? <Typography.Paragraph type="secondary">{hint}</Typography.Paragraph> : null}
      <Form form={form} layout="vertical" initialValues={initialValues}>
        <Form.Item name="text" label={label} rules={[{ required: true, whitespace: true, message: requiredMessage }, { max: maxLength }]}>
          <Input.TextArea rows={rows} data-testid={inputTestId} />
        </Form.Item>
        {children}
      </Form>
    </Modal>
  );
}
