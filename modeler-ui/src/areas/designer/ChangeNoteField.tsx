import { Input, Typography } from 'antd';
import { useTranslation } from 'react-i18next';

/** The required change note (变更说明) of a deploy — diagrams and decision tables — with its error once left empty. */
export function ChangeNoteField({ value, onChange, touched, onTouched, placeholder, testId }: {
  value: string;
  onChange: (v: string) => void;
  touched: boolean;
  onTouched: () => void;
  placeholder: string;
  /** `deploy-note` / `decision-note`; the error is `<testId>-error` */
  testId: string;
}) {
  const { t } = useTranslation('designer');
  const missing = touched && !value.trim();
  return (
    <>
      <Typography.Text strong>{t('modeler.noteLabel')}</Typography.Text>
      <Input.TextArea
        data-testid={testId}
        aria-label={t('modeler.noteLabel')}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onBlur={onTouched}
        placeholder={placeholder}
        autoSize={{ minRows: 3, maxRows: 6 }}
        maxLength={500}
        showCount
        status={missing ? 'error' : undefined}
        style={{ marginTop: 4 }}
      />
      {missing ? <Typography.Text type="danger" data-testid={`${testId}-error`}>{t('modeler.noteRequired')}</Typography.Text> : null}
    </>
  );
}
