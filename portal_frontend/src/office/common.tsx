// Shared bits of the back office: permissions, Russian labels, a cursor pager and result alerts.
import { Alert, Button, Space, Typography } from "antd";
import { useState, type ReactNode } from "react";
import type { Permission } from "../gql/graphql";
import { useMe } from "../shared/auth";

/** Whether the signed-in user's permissions on this host include the given one. */
export function useCan(permission: Permission): boolean {
  const me = useMe();
  return (me.data?.me.permissions ?? []).includes(permission);
}

export const PAYOUT_STATUS: Record<string, { label: string; color: string }> = {
  CREATED: { label: "создано", color: "default" },
  APPROVED: { label: "утверждено", color: "blue" },
  EXPORTED: { label: "выгружено", color: "gold" },
  CONFIRMED: { label: "подтверждено", color: "green" },
};

export const PAYMENT_STATUS: Record<string, { label: string; color: string }> = {
  UNMATCHED: { label: "не опознан", color: "red" },
  AMBIGUOUS: { label: "неоднозначен", color: "orange" },
  MATCHED: { label: "опознан", color: "blue" },
  ALLOCATED: { label: "распределён", color: "green" },
  REFUNDED: { label: "возвращён", color: "default" },
};

export const CHANNEL: Record<string, string> = {
  BANK_REGISTRY: "Реестр банка",
  BANK_STATEMENT: "Выписка банка",
  CARD_ONLINE: "Карта онлайн",
  CASH_DESK: "Касса",
  bank_registry: "Реестр банка",
  bank_statement: "Выписка банка",
  card_online: "Карта онлайн",
  cash_desk: "Касса",
};

export const IMPORT_STATUS: Record<string, { label: string; color: string }> = {
  STAGED: { label: "в обработке", color: "processing" },
  POSTED: { label: "проведён", color: "green" },
  REJECTED: { label: "отклонён", color: "red" },
  staged: { label: "в обработке", color: "processing" },
  posted: { label: "проведён", color: "green" },
  rejected: { label: "отклонён", color: "red" },
};

export const IMPORT_PHASE: Record<string, string> = {
  queued: "в очереди",
  parsing: "разбор файла",
  posting: "проведение",
  done: "завершено",
};

export const PRINCIPAL_KIND: Record<string, string> = {
  AGENT: "Агент",
  MANAGEMENT_COMPANY: "Управляющая компания",
  HOA: "ТСЖ",
  RESOURCE_SUPPLIER: "Ресурсоснабжающая организация",
  WASTE_OPERATOR: "Региональный оператор ТКО",
  CAPITAL_REPAIR_FUND: "Фонд капремонта",
};

export const SERVICE_KIND: Record<string, string> = {
  HEATING: "Отопление",
  HOT_WATER: "Горячая вода",
  COLD_WATER: "Холодная вода",
  DRAINAGE: "Водоотведение",
  ELECTRICITY: "Электроэнергия",
  GAS: "Газ",
  MAINTENANCE: "Содержание жилья",
  WASTE: "Обращение с ТКО",
  CAPITAL_REPAIR: "Капремонт",
  CUSTOM: "Прочие",
};

export const QR_MODE: Record<string, string> = {
  PER_PAYEE: "QR на каждого получателя",
  AGENT_ACCOUNT: "Один QR на счёт агента",
};

export const PAYOUT_SCHEDULE: Record<string, string> = {
  DAILY: "Ежедневно",
  WEEKLY: "Еженедельно",
};

export function options(labels: Record<string, string>) {
  return Object.entries(labels).map(([value, label]) => ({ value, label }));
}

/** Keyset pagination state: the cursor of each visited page. */
export function useCursor(pageSize = 20) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const index = cursors.length - 1;
  return {
    first: pageSize,
    after: cursors[index],
    page: index + 1,
    next: (endCursor: string | null | undefined) => endCursor && setCursors((c) => [...c, endCursor]),
    prev: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    reset: () => setCursors([null]),
  };
}

interface PagerProps {
  cursor: ReturnType<typeof useCursor>;
  total?: number;
  hasNext?: boolean;
  endCursor?: string | null;
  loading?: boolean;
}

/** «Назад / Далее» under a table fed by a connection (first/after + totalCount). */
export function CursorPager({ cursor, total, hasNext, endCursor, loading }: PagerProps) {
  const pages = total !== undefined ? Math.max(1, Math.ceil(total / cursor.first)) : undefined;
  return (
    <Space style={{ marginTop: 12, justifyContent: "flex-end", width: "100%" }} wrap>
      <Typography.Text type="secondary">
        Всего: {total ?? "—"}
        {pages ? ` · страница ${cursor.page} из ${pages}` : ""}
      </Typography.Text>
      <Button onClick={() => cursor.prev()} disabled={cursor.page <= 1 || loading}>
        Назад
      </Button>
      <Button onClick={() => cursor.next(endCursor)} disabled={!hasNext || loading}>
        Далее
      </Button>
    </Space>
  );
}

export function PageTitle({ children, extra }: { children: ReactNode; extra?: ReactNode }) {
  return (
    <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center", flexWrap: "wrap", gap: 8 }}>
      <Typography.Title level={2} style={{ marginTop: 0 }}>
        {children}
      </Typography.Title>
      {extra}
    </div>
  );
}

export function ErrorBanner({ message, onClose }: { message: string | null; onClose?: () => void }) {
  if (!message) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={message}
      closable={onClose ? { onClose } : undefined}
      style={{ marginBottom: 16 }}
    />
  );
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
