// The API's enums mapped to their catalogue keys (src/locales/ru/portal.json); translated at render by
// labelOf / optionsOf (src/shared/labels.ts).
import type { ParseKeys, TFunction } from "i18next";
import type { ImportMode, ImportStatus } from "../gql/graphql";

/** A typed key of the portal's catalogue. */
export type PortalKey = ParseKeys<"portal">;
/** The portal namespace's translate function (useTranslation("portal").t). */
export type PortalT = TFunction<"portal">;

interface Tagged {
  label: PortalKey;
  color: string;
}

export const PAYOUT_STATUS: Record<string, Tagged> = {
  CREATED: { label: "payoutStatus.created", color: "default" },
  APPROVED: { label: "payoutStatus.approved", color: "blue" },
  EXPORTED: { label: "payoutStatus.exported", color: "gold" },
  CONFIRMED: { label: "payoutStatus.confirmed", color: "green" },
};

export const REPORT_KIND: Record<string, PortalKey> = {
  ACCOUNTS: "reportKind.accounts",
  TURNOVER: "reportKind.turnover",
  PAYMENTS: "reportKind.payments",
  DEBTORS: "reportKind.debtors",
  COLLECTION_RATES: "reportKind.collectionRates",
  COLLECTION_BY_HOUSE: "reportKind.collectionByHouse",
  DEBT_BY_AGE: "reportKind.debtByAge",
  DEBTOR_REGISTER: "reportKind.debtorRegister",
};

export const REPORT_STATUS: Record<string, Tagged> = {
  QUEUED: { label: "reportStatus.queued", color: "default" },
  RUNNING: { label: "reportStatus.running", color: "processing" },
  DONE: { label: "reportStatus.done", color: "success" },
  FAILED: { label: "reportStatus.failed", color: "error" },
};

export const APPEAL_STATUS: Record<string, Tagged> = {
  OPEN: { label: "appealStatus.open", color: "blue" },
  ANSWERED: { label: "appealStatus.answered", color: "green" },
  CLOSED: { label: "appealStatus.closed", color: "default" },
};

export const CHANGE_KIND: Record<string, PortalKey> = {
  PERSONS: "changeKind.persons",
  PAYER_NAME: "changeKind.payerName",
  OTHER: "changeKind.other",
};

export const CHANGE_STATUS: Record<string, Tagged> = {
  NEW: { label: "changeStatus.new", color: "blue" },
  ACCEPTED: { label: "changeStatus.accepted", color: "green" },
  REJECTED: { label: "changeStatus.rejected", color: "red" },
};

export const IMPORT_STATUS: Record<ImportStatus, Tagged> = {
  VALIDATED: { label: "importStatus.validated", color: "blue" },
  REJECTED: { label: "importStatus.rejected", color: "red" },
  LOADED: { label: "importStatus.loaded", color: "green" },
};

export const IMPORT_MODE: Record<ImportMode, PortalKey> = {
  VALIDATE: "importMode.validate",
  ALL_OR_NOTHING: "importMode.allOrNothing",
  GOOD_ROWS: "importMode.goodRows",
};

export const RECEIPT_SOURCE: Record<string, PortalKey> = {
  AGENT: "receiptSource.agent",
  OWN: "receiptSource.own",
};

export const READING_SOURCE: Record<string, PortalKey> = {
  CABINET: "readingSource.cabinet",
  PORTAL: "readingSource.portal",
  FILE: "readingSource.file",
  API: "readingSource.api",
  BANK_REGISTRY: "readingSource.bankRegistry",
};

export const VOLUME_METHOD: Record<string, PortalKey> = {
  METER: "volumeMethod.meter",
  AVERAGE: "volumeMethod.average",
  NORM: "volumeMethod.norm",
  FIXED: "volumeMethod.fixed",
  SUM: "volumeMethod.sum",
};

export const PERIOD_STATUS: Record<string, PortalKey> = {
  OPEN: "periodStatus.open",
  RUNNING: "periodStatus.running",
  CALCULATED: "periodStatus.calculated",
  POSTED: "periodStatus.posted",
  FAILED: "periodStatus.failed",
};

export const ROLE: Record<string, PortalKey> = { ADMIN: "role.admin", STAFF: "role.staff" };

/** Columns of uploaded files (canonical names). */
export const FILE_FIELD: Record<string, PortalKey> = {
  meter: "fileField.meter",
  zone: "fileField.zone",
  value: "fileField.value",
  date: "fileField.date",
  account: "fileField.account",
  amount: "fileField.amount",
  service: "fileField.service",
  document: "fileField.document",
  documentNumber: "fileField.documentNumber",
  paidOn: "fileField.paidOn",
  comment: "fileField.comment",
};

export function fileField(t: PortalT, field: string | null | undefined): string {
  if (!field) return t("fileField.wholeRow");
  const key = FILE_FIELD[field];
  return key ? t("fileField.withCode", { name: t(key), field }) : field;
}
