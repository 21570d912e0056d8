// Loading and error states for every query: a spinner while loading, a message with a retry on error.
import { Alert, Button, Skeleton } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

interface Props {
  loading: boolean;
  error: Error | null;
  retry?: () => void;
  children?: ReactNode;
  /** shown instead of children when the data is empty */
  empty?: boolean;
  emptyText?: string;
}

export function QueryState({ loading, error, retry, children, empty, emptyText }: Props) {
  const { t } = useTranslation();
  if (loading) {
    return <Skeleton active aria-busy="true" aria-label={t("app.loading")} />;
  }
  if (error) {
    return (
      <Alert
        type="error"
        showIcon
        role="alert"
        title={t("state.loadFailed")}
        description={error.message}
        action={
          retry ? (
            <Button size="small" onClick={() => retry()}>
              {t("state.retry")}
            </Button>
          ) : undefined
        }
      />
    );
  }
  if (empty) {
    return <Alert type="info" showIcon title={emptyText ?? t("state.empty")} />;
  }
  return <>{children}</>;
}
