// "История": charges by month, principal and service, payments, and the charts.
import { Flex, Form, Select, Tabs, Typography } from "antd";
import { useState } from "react";
import { formatDate, formatMoney, formatMonth } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import type { CabinetHistoryQuery } from "../../gql/graphql";
import { CHANNELS, formatQuantity, HouseholdPicker, PAYMENT_STATUSES, useChosenEls } from "../common";
import { HistoryQuery } from "../queries";
import { ResponsiveTable } from "../ResponsiveTable";
import { ConsumptionChart, SpendingChart } from "./HistoryCharts";

type History = CabinetHistoryQuery["residentHistory"];
type Charge = History["charges"][number];
type PaymentLine = History["payments"][number];

export default function HistoryPage() {
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
        Начисления и платежи
      </Typography.Title>
      <HouseholdPicker els={els} onChange={setEls} />
      <Form layout="vertical" style={{ maxWidth: 240 }}>
        <Form.Item label="Период" htmlFor="cabinet-history-months" style={{ marginBottom: 0 }}>
          <Select
            id="cabinet-history-months"
            value={months}
            onChange={setMonths}
            options={[3, 6, 12, 24, 36].map((m) => ({ value: m, label: `${m} мес.` }))}
          />
        </Form.Item>
      </Form>
      <QueryState
        loading={history.isLoading}
        error={history.error}
        retry={() => history.refetch()}
        empty={!els}
        emptyText="Сначала подключите лицевой счёт на странице «Мои счета»"
      >
        {h && (
          <Tabs
            items={[
              {
                key: "charts",
                label: "Графики",
                children: (
                  <Flex vertical gap={16}>
                    <ConsumptionChart charges={h.charges} />
                    <SpendingChart charges={h.charges} />
                  </Flex>
                ),
              },
              {
                key: "charges",
                label: "Начисления",
                children: <ChargesTable charges={charges} />,
              },
              {
                key: "payments",
                label: "Платежи",
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
  return (
    <ResponsiveTable<Charge>
      caption="Начисления"
      rows={charges}
      rowKey={(c) => `${c.month}-${c.principalId}-${c.serviceCode}`}
      cardTitle={(c) => `${formatMonth(c.month)} · ${c.serviceName}`}
      emptyText="Начислений нет"
      columns={[
        { key: "month", title: "Месяц", render: (c) => formatMonth(c.month) },
        { key: "principal", title: "Поставщик", render: (c) => c.principalName },
        { key: "service", title: "Услуга", render: (c) => c.serviceName },
        { key: "qty", title: "Объём", render: (c) => (c.quantity ? `${formatQuantity(c.quantity)} ${c.unit}` : "—") },
        { key: "amount", title: "Сумма", align: "right", render: (c) => formatMoney(c.amount) },
      ]}
    />
  );
}

function PaymentsTable({ payments }: { payments: PaymentLine[] }) {
  return (
    <ResponsiveTable<PaymentLine>
      caption="Платежи"
      rows={payments}
      rowKey={(p) => p.id}
      cardTitle={(p) => `${formatDate(p.paidOn)} · ${formatMoney(p.amount)}`}
      emptyText="Платежей нет"
      columns={[
        { key: "date", title: "Дата", render: (p) => formatDate(p.paidOn) },
        { key: "amount", title: "Сумма", align: "right", render: (p) => formatMoney(p.amount) },
        { key: "channel", title: "Способ", render: (p) => CHANNELS[p.channel] ?? p.channel },
        { key: "status", title: "Состояние", render: (p) => PAYMENT_STATUSES[p.status] ?? p.status },
      ]}
    />
  );
}
