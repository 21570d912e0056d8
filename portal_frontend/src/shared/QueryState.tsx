// Loading and error states for every query: a spinner while loading, a message with a retry on error.
import { Alert, Button, Skeleton } from "antd";
import type { ReactNode } from "react";

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
  if (loading) {
    return <Skeleton active aria-busy="true" aria-label="Загрузка" />;
  }
  if (error) {
    return (
      <Alert
        type="error"
        showIcon
        role="alert"
        title="Не удалось загрузить данные"
        description={error.message}
        action={
          retry ? (
            <Button size="small" onClick={() => retry()}>
              Повторить
            </Button>
          ) : undefined
        }
      />
    );
  }
  if (empty) {
    return <Alert type="info" showIcon title={emptyText ?? "Данных пока нет"} />;
  }
  return <>{children}</>;
}
