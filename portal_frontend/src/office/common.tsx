// Shared bits of the back office: label keys of the catalogue, the page title and result alerts.
import { Alert, Space, Tag, Typography } from "antd";
import type { ParseKeys } from "i18next";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { PaymentImportStatus } from "../gql/graphql";
import { CursorPager as SharedCursorPager, type CursorPages } from "../shared/CursorPager";
import { formatDate } from "../shared/format";

/** A key of the office catalogue (src/locales/ru/office.json). */
export type OfficeKey = ParseKeys<"office">;

export const PAYOUT_STATUS: Record<string, { label: OfficeKey; color: string }> = {
  CREATED: { label: "payoutStatus.CREATED", color: "default" },
  APPROVED: { label: "payoutStatus.APPROVED", color: "blue" },
  EXPORTED: { label: "payoutStatus.EXPORTED", color: "gold" },
  CONFIRMED: { label: "payoutStatus.CONFIRMED", color: "green" },
};

// a payout against its legal deadline (ПП 253 п.6: the working day after the money arrived)
export const PAYOUT_DEADLINE: Record<string, { label: OfficeKey; color: string }> = {
  ON_TIME: { label: "payoutDeadline.ON_TIME", color: "green" },
  PENDING: { label: "payoutDeadline.PENDING", color: "default" },
  AT_RISK: { label: "payoutDeadline.AT_RISK", color: "orange" },
  LATE: { label: "payoutDeadline.LATE", color: "red" },
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

export const IMPORT_STATUS: Record<PaymentImportStatus, { label: OfficeKey; color: string }> = {
  STAGED: { label: "importStatus.STAGED", color: "processing" },
  POSTED: { label: "importStatus.POSTED", color: "green" },
  REJECTED: { label: "importStatus.REJECTED", color: "red" },
  VALIDATED: { label: "importStatus.VALIDATED", color: "blue" },
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

// Kept for the pages still importing these from here (Payouts, Cash, Reconciliation); the rest import the
// shared modules directly.
export { useCan } from "../shared/auth";
export { labelOf as label } from "../shared/labels";
export { useCursorPages as useCursor } from "../shared/CursorPager";

/** The shared pager under the office's former props (cursor / total / hasNext). */
export function CursorPager({ cursor, total, hasNext, endCursor, loading }: {
  cursor: CursorPages;
  total?: number;
  hasNext?: boolean;
  endCursor?: string | null;
  loading?: boolean;
}) {
  return <SharedCursorPager pages={cursor} totalCount={total} hasNextPage={hasNext} endCursor={endCursor} loading={loading} />;
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

/** Runs an action of a page, showing its failure through ``setError`` (cleared first) instead of throwing. */
export async function runShowingError(setError: (text: string | null) => void, action: () => Promise<void>) {
  setError(null);
  try {
    await action();
  } catch (exc) {
    setError(errorText(exc));
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The legal deadline (ПП 253 п.6) and where the payout stands against it. */
export function DeadlineCell({ deadline, state, daysLate }: { deadline: string; state: string; daysLate: number }) {
  const { t } = useTranslation("office");
  const entry = PAYOUT_DEADLINE[state];
  return (
    <Space orientation="vertical" size={0}>
      <span>{formatDate(deadline)}</span>
      <Tag color={entry?.color}>
        {entry ? t(entry.label) : state}
        {state === "LATE" && daysLate > 0 ? t("payouts.deadline.daysLate", { count: daysLate }) : ""}
      </Tag>
    </Space>
  );
}
