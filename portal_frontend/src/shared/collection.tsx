// Debt collection labels shared by the portal, the back office and the cabinet: the stages of work on an
// account with their tag colours (the API also sends each stage's Russian label; the filters need them before
// any row has loaded), and a tag for the statuses the API labels itself.
import { Tag } from "antd";
import type { ParseKeys } from "i18next";
import { useTranslation } from "react-i18next";

type SharedKey = ParseKeys<"shared">;

export const STAGES: Record<string, { label: SharedKey; color: string }> = {
  NONE: { label: "collection.stage.NONE", color: "default" },
  REMINDED: { label: "collection.stage.REMINDED", color: "cyan" },
  WARNED: { label: "collection.stage.WARNED", color: "gold" },
  RESTRICTED: { label: "collection.stage.RESTRICTED", color: "volcano" },
  AGREEMENT: { label: "collection.stage.AGREEMENT", color: "blue" },
  CLAIM: { label: "collection.stage.CLAIM", color: "orange" },
  COURT: { label: "collection.stage.COURT", color: "red" },
  ENFORCEMENT: { label: "collection.stage.ENFORCEMENT", color: "magenta" },
  RECOVERED: { label: "collection.stage.RECOVERED", color: "green" },
};

/** A stage as a coloured tag; the API's label wins when it sends one. */
export function StageTag({ stage, label }: { stage: string; label?: string | null }) {
  const { t } = useTranslation();
  const s = STAGES[stage.toUpperCase()];
  return <Tag color={s?.color ?? "default"}>{label || (s ? t(s.label) : stage)}</Tag>;
}

export function stageOptions(t: (key: SharedKey) => string) {
  return Object.entries(STAGES).map(([value, s]) => ({ value, label: t(s.label) }));
}

const STATUS_COLORS: Record<string, string> = {
  ISSUED: "gold",
  DELIVERED: "orange",
  RESTRICTED: "volcano",
  SETTLED: "green",
  CANCELLED: "default",
  ORDERED: "gold",
  DONE: "volcano",
  LIFTED: "green",
  REQUESTED: "purple",
  DRAFT: "default",
  ACTIVE: "blue",
  BREACHED: "red",
  COMPLETED: "green",
  DECLINED: "default",
  CLOSED: "default",
  QUEUED: "default",
  RUNNING: "processing",
  FAILED: "red",
};

/** A status the API sends with its own Russian label, coloured by its code. */
export function StatusTag({ status, label }: { status: string; label: string }) {
  return <Tag color={STATUS_COLORS[status.toUpperCase()] ?? "blue"}>{label}</Tag>;
}
