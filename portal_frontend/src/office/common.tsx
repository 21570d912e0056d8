// Shared bits of the back office: permissions, label keys of the catalogue, a cursor pager and result alerts.
import { Alert, Button, Space, Typography } from "antd";
import type { ParseKeys, TFunction } from "i18next";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Permission } from "../gql/graphql";
import { useMe } from "../shared/auth";

/** Whether the signed-in user's permissions on this host include the given one. */
export function useCan(permission: Permission): boolean {
  const me = useMe();
  return (me.data?.me.permissions ?? []).includes(permission);
}

/** A key of the office catalogue (src/locales/ru/office.json). */
export type OfficeKey = ParseKeys<"office">;

export const PAYOUT_STATUS: Record<string, { label: OfficeKey; color: string }> = {
  CREATED: { label: "payoutStatus.CREATED", color: "default" },
  APPROVED: { label: "payoutStatus.APPROVED", color: "blue" },
  EXPORTED: { label: "payoutStatus.EXPORTED", color: "gold" },
  CONFIRMED: { label: "payoutStatus.CONFIRMED", color: "green" },
};

export const PAYMENT_STATUS: Record<string, { label: OfficeKey; color: string }> = {
  UNMATCHED: { label: "paymentStatus.UNMATCHED", color: "red" },
  AMBIGUOUS: { label: "paymentStatus.AMBIGUOUS", color: "orange" },
  MATCHED: { label: "paymentStatus.MATCHED", color: "blue" },
  ALLOCATED: { label: "paymentStatus.ALLOCATED", color: "green" },
  REFUNDED: { label: "paymentStatus.REFUNDED", color: "default" },
};

export const CHANNEL: Record<string, OfficeKey> = {
  BANK_REGISTRY: "channel.BANK_REGISTRY",
  BANK_STATEMENT: "channel.BANK_STATEMENT",
  CARD_ONLINE: "channel.CARD_ONLINE",
  CASH_DESK: "channel.CASH_DESK",
  bank_registry: "channel.BANK_REGISTRY",
  bank_statement: "channel.BANK_STATEMENT",
  card_online: "channel.CARD_ONLINE",
  cash_desk: "channel.CASH_DESK",
};

export const IMPORT_STATUS: Record<string, { label: OfficeKey; color: string }> = {
  STAGED: { label: "importStatus.STAGED", color: "processing" },
  POSTED: { label: "importStatus.POSTED", color: "green" },
  REJECTED: { label: "importStatus.REJECTED", color: "red" },
  staged: { label: "importStatus.STAGED", color: "processing" },
  posted: { label: "importStatus.POSTED", color: "green" },
  rejected: { label: "importStatus.REJECTED", color: "red" },
};

export const IMPORT_PHASE: Record<string, OfficeKey> = {
  queued: "importPhase.queued",
  parsing: "importPhase.parsing",
  posting: "importPhase.posting",
  done: "importPhase.done",
};

export const PRINCIPAL_KIND: Record<string, OfficeKey> = {
  AGENT: "principalKind.AGENT",
  MANAGEMENT_COMPANY: "principalKind.MANAGEMENT_COMPANY",
  HOA: "principalKind.HOA",
  RESOURCE_SUPPLIER: "principalKind.RESOURCE_SUPPLIER",
  WASTE_OPERATOR: "principalKind.WASTE_OPERATOR",
  CAPITAL_REPAIR_FUND: "principalKind.CAPITAL_REPAIR_FUND",
};

export const SERVICE_KIND: Record<string, OfficeKey> = {
  HEATING: "serviceKind.HEATING",
  HOT_WATER: "serviceKind.HOT_WATER",
  COLD_WATER: "serviceKind.COLD_WATER",
  DRAINAGE: "serviceKind.DRAINAGE",
  ELECTRICITY: "serviceKind.ELECTRICITY",
  GAS: "serviceKind.GAS",
  MAINTENANCE: "serviceKind.MAINTENANCE",
  WASTE: "serviceKind.WASTE",
  CAPITAL_REPAIR: "serviceKind.CAPITAL_REPAIR",
  CUSTOM: "serviceKind.CUSTOM",
};

export const QR_MODE: Record<string, OfficeKey> = {
  PER_PAYEE: "qrMode.PER_PAYEE",
  AGENT_ACCOUNT: "qrMode.AGENT_ACCOUNT",
};

export const PAYOUT_SCHEDULE: Record<string, OfficeKey> = {
  DAILY: "payoutSchedule.DAILY",
  WEEKLY: "payoutSchedule.WEEKLY",
};

/** The label of a value by a map of catalogue keys; the value itself when the map does not name it. */
export function label(t: TFunction<"office">, labels: Record<string, OfficeKey>, value: string): string {
  const key = labels[value];
  return key ? t(key) : value;
}

/** Select options from a map of catalogue keys, translated. */
export function options(t: TFunction<"office">, labels: Record<string, OfficeKey>) {
  return Object.entries(labels).map(([value, key]) => ({ value, label: t(key) }));
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
  const { t } = useTranslation("office");
  const pages = total !== undefined ? Math.max(1, Math.ceil(total / cursor.first)) : undefined;
  return (
    <Space style={{ marginTop: 12, justifyContent: "flex-end", width: "100%" }} wrap>
      <Typography.Text type="secondary">
        {t("pager.total", { total: total ?? "—" })}
        {pages ? t("pager.page", { page: cursor.page, pages }) : ""}
      </Typography.Text>
      <Button onClick={() => cursor.prev()} disabled={cursor.page <= 1 || loading}>
        {t("pager.prev")}
      </Button>
      <Button onClick={() => cursor.next(endCursor)} disabled={!hasNext || loading}>
        {t("pager.next")}
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
