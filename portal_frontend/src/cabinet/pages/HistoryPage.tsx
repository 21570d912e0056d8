// "История": charges by month, principal and service, payments, and the charts.
import { Flex, Form, Select, Tabs, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { formatDate, formatMoney, formatMonth, formatQuantity } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import type { CabinetHistoryQuery } from "../../gql/graphql";
import { CHANNELS, HouseholdPicker, PAYMENT_STATUSES, useChosenEls } from "../common";
import { labelOf } from "../../shared/labels";
import { HistoryQuery } from "../queries";
import { ResponsiveTable } from "../ResponsiveTable";
import { ConsumptionChart, SpendingChart } from "./HistoryCharts";

type History = CabinetHistoryQuery["residentHistory"];
type Charge = History["charges"][number];
type PaymentLine = History["payments"][number];

export default function HistoryPage() {
  const { t } = useTranslation("cabinet");
  const [els, setEls] = useChosenEls();
  const [months, setMonths] = useState(12);
  const history = useGql(HistoryQuery, { els: els ?? "", months }, { enabled: !!els });
  const h = history.data?.residentHistory;
  const charges = [...(h?.charges ?? [])].sort(
    (a, b) => b.month.localeCompare(a.month) || a.principalName.localeCompare(b.principalName),
  );
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("history.title")}
      </Typography.Title>
      <HouseholdPicker els={els} onChange={setEls} />
      <Form layout="vertical" style={{ maxWidth: 240 }}>
        <Form.Item label={t("history.period")} htmlFor="cabinet-history-months" style={{ marginBottom: 0 }}>
          <Select
            id="cabinet-history-months"
            value={months}
            onChange={setMonths}
            options={[3, 6, 12, 24, 36].map((m) => ({ value: m, label: t("history.months", { months: m }) }))}
          />
        </Form.Item>
      </Form>
      <QueryState
        loading={history.isLoading}
        error={history.error}
        retry={() => history.refetch()}
        empty={!els}
        emptyText={t("common.linkFirst")}
      >
        {h && (
          <Tabs
            items={[
              {
                key: "charts",
                label: t("history.charts"),
                children: (
                  <Flex vertical gap={16}>
                    <ConsumptionChart charges={h.charges} />
                    <SpendingChart charges={h.charges} />
                  </Flex>
                ),
              },
              {
                key: "charges",
                label: t("history.charges"),
                children: <ChargesTable charges={charges} />,
              },
              {
                key: "payments",
                label: t("history.payments"),
                children: <PaymentsTable payments={h.payments} />,
              },
            ]}
          />
        )}
      </QueryState>
    </Flex>
  );
}

function ChargesTable({ charges }: { charges: Charge[] }) {
  const { t } = useTranslation("cabinet");
  return (
    <ResponsiveTable<Charge>
      caption={t("history.charges")}
      rows={charges}
      rowKey={(c) => `${c.month}-${c.principalId}-${c.serviceCode}`}
      cardTitle={(c) => `${formatMonth(c.month)} · ${c.serviceName}`}
      emptyText={t("history.noCharges")}
      columns={[
        { key: "month", title: t("common.month"), render: (c) => formatMonth(c.month) },
        { key: "principal", title: t("common.principal"), render: (c) => c.principalName },
        { key: "service", title: t("common.service"), render: (c) => c.serviceName },
        { key: "qty", title: t("common.quantity"), render: (c) => (c.quantity ? `${formatQuantity(c.quantity)} ${c.unit}` : "—") },
        { key: "amount", title: t("common.sum"), align: "right", render: (c) => formatMoney(c.amount) },
      ]}
    />
  );
}

function PaymentsTable({ payments }: { payments: PaymentLine[] }) {
  const { t } = useTranslation("cabinet");
  return (
    <ResponsiveTable<PaymentLine>
      caption={t("history.payments")}
      rows={payments}
      rowKey={(p) => p.id}
      cardTitle={(p) => `${formatDate(p.paidOn)} · ${formatMoney(p.amount)}`}
      emptyText={t("history.noPayments")}
      columns={[
        { key: "date", title: t("history.date"), render: (p) => formatDate(p.paidOn) },
        { key: "amount", title: t("common.sum"), align: "right", render: (p) => formatMoney(p.amount) },
        { key: "channel", title: t("history.channel"), render: (p) => labelOf(t, CHANNELS, p.channel) },
        { key: "status", title: t("common.status"), render: (p) => labelOf(t, PAYMENT_STATUSES, p.status) },
      ]}
    />
  );
}
