// Pieces shared by the cabinet's pages: the linked households, a household picker, labels.
import { Form, Select, Tag } from "antd";
import type { ParseKeys } from "i18next";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { useGql } from "../shared/hooks";
import { HouseholdsQuery } from "./queries";

export function useHouseholds() {
  return useGql(HouseholdsQuery);
}

/** The household chosen in the page's ?els=…, defaulting to the first linked one. */
export function useChosenEls(): [string | undefined, (els: string) => void] {
  const households = useHouseholds();
  const [params, setParams] = useSearchParams();
  const list = households.data?.residentHouseholds ?? [];
  const asked = params.get("els");
  const els = list.find((h) => h.els === asked)?.els ?? list[0]?.els;
  useEffect(() => {
    if (asked && list.length && !list.some((h) => h.els === asked)) setParams({}, { replace: true });
  }, [asked, list, setParams]);
  return [els, (value: string) => setParams({ els: value })];
}

/** A labelled household picker (shown only when there is more than one). */
export function HouseholdPicker({ els, onChange }: { els?: string; onChange: (els: string) => void }) {
  const { t } = useTranslation("cabinet");
  const households = useHouseholds();
  const list = households.data?.residentHouseholds ?? [];
  if (list.length < 2) return null;
  return (
    <Form layout="vertical" style={{ maxWidth: 560 }}>
      <Form.Item label={t("common.householdPicker")} htmlFor="cabinet-household">
        <Select
          id="cabinet-household"
          value={els}
          onChange={onChange}
          options={list.map((h) => ({ value: h.els, label: `${h.els} — ${h.address}` }))}
        />
      </Form.Item>
    </Form>
  );
}

/** A catalogue key of the cabinet's namespace. */
export type CabinetKey = ParseKeys<"cabinet">;
type Label = { label: CabinetKey; color: string };

export const CHANNELS: Record<string, CabinetKey> = {
  bank_registry: "channel.bank_registry",
  bank_statement: "channel.bank_statement",
  card_online: "channel.card_online",
  cash_desk: "channel.cash_desk",
};

export const PAYMENT_STATUSES: Record<string, CabinetKey> = {
  matched: "paymentStatus.matched",
  allocated: "paymentStatus.allocated",
  refunded: "paymentStatus.refunded",
  unmatched: "paymentStatus.pending",
  ambiguous: "paymentStatus.pending",
};

export const ONLINE_STATUSES: Record<string, Label> = {
  CREATED: { label: "onlineStatus.created", color: "default" },
  SUCCEEDED: { label: "onlineStatus.succeeded", color: "green" },
  FAILED: { label: "onlineStatus.failed", color: "red" },
  REFUNDED: { label: "onlineStatus.refunded", color: "orange" },
  PARTIALLY_REFUNDED: { label: "onlineStatus.partiallyRefunded", color: "orange" },
};

export const REQUEST_KINDS: Record<string, CabinetKey> = {
  PERSONS: "requestKind.persons",
  PAYER_NAME: "requestKind.payerName",
  OTHER: "requestKind.other",
};

const REQUEST_STATUSES: Record<string, Label> = {
  NEW: { label: "requestStatus.new", color: "blue" },
  ACCEPTED: { label: "requestStatus.accepted", color: "green" },
  REJECTED: { label: "requestStatus.rejected", color: "red" },
};

/** A coloured tag for a status by its map; the raw value in grey when the map lacks it. */
function StatusTag({ map, status }: { map: Record<string, Label>; status: string }) {
  const { t } = useTranslation("cabinet");
  const s = map[status];
  return s ? <Tag color={s.color}>{t(s.label)}</Tag> : <Tag color="default">{status}</Tag>;
}

export function RequestStatusTag({ status }: { status: string }) {
  return <StatusTag map={REQUEST_STATUSES} status={status} />;
}

const APPEAL_STATUSES: Record<string, Label> = {
  OPEN: { label: "appealStatus.open", color: "blue" },
  ANSWERED: { label: "appealStatus.answered", color: "green" },
  CLOSED: { label: "appealStatus.closed", color: "default" },
};

export function AppealStatusTag({ status }: { status: string }) {
  return <StatusTag map={APPEAL_STATUSES} status={status} />;
}

export const METHODS: Record<string, CabinetKey> = {
  meter: "method.meter",
  average: "method.average",
  norm: "method.norm",
  fixed: "method.fixed",
  sum: "method.sum",
};
