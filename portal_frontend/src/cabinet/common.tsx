// Pieces shared by the cabinet's pages: the linked households, a household picker, labels.
import { Form, Select, Tag } from "antd";
import { useEffect } from "react";
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
  const households = useHouseholds();
  const list = households.data?.residentHouseholds ?? [];
  if (list.length < 2) return null;
  return (
    <Form layout="vertical" style={{ maxWidth: 560 }}>
      <Form.Item label="Лицевой счёт (ЕЛС)" htmlFor="cabinet-household">
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

export const CHANNELS: Record<string, string> = {
  bank_registry: "Банк (реестр)",
  bank_statement: "Банк (выписка)",
  card_online: "Картой онлайн",
  cash_desk: "Касса",
};

export const PAYMENT_STATUSES: Record<string, string> = {
  matched: "Зачислен",
  allocated: "Распределён",
  refunded: "Возвращён",
  unmatched: "Уточняется",
  ambiguous: "Уточняется",
};

export const ONLINE_STATUSES: Record<string, { label: string; color: string }> = {
  CREATED: { label: "Ожидает оплаты", color: "default" },
  SUCCEEDED: { label: "Оплачен", color: "green" },
  FAILED: { label: "Не прошёл", color: "red" },
  REFUNDED: { label: "Возвращён", color: "orange" },
  PARTIALLY_REFUNDED: { label: "Возвращён частично", color: "orange" },
};

export const REQUEST_KINDS: Record<string, string> = {
  PERSONS: "Число проживающих",
  PAYER_NAME: "ФИО плательщика",
  OTHER: "Другое",
};

const REQUEST_STATUSES: Record<string, { label: string; color: string }> = {
  NEW: { label: "На рассмотрении", color: "blue" },
  ACCEPTED: { label: "Принята", color: "green" },
  REJECTED: { label: "Отклонена", color: "red" },
};

export function RequestStatusTag({ status }: { status: string }) {
  const s = REQUEST_STATUSES[status] ?? { label: status, color: "default" };
  return <Tag color={s.color}>{s.label}</Tag>;
}

const APPEAL_STATUSES: Record<string, { label: string; color: string }> = {
  OPEN: { label: "Открыто", color: "blue" },
  ANSWERED: { label: "Есть ответ", color: "green" },
  CLOSED: { label: "Закрыто", color: "default" },
};

export function AppealStatusTag({ status }: { status: string }) {
  const s = APPEAL_STATUSES[status] ?? { label: status, color: "default" };
  return <Tag color={s.color}>{s.label}</Tag>;
}

export const METHODS: Record<string, string> = {
  meter: "по прибору учёта",
  average: "по среднему",
  norm: "по нормативу",
  fixed: "по площади / тарифу",
};

/** Trims zeros of a decimal quantity: "58.1700" -> "58,17". */
export function formatQuantity(value: string | null | undefined): string {
  if (!value) return "—";
  const [i, f = ""] = value.split(".");
  const frac = f.replace(/0+$/, "");
  return frac ? `${i},${frac}` : i;
}
