// «Сверка»: a day's money in, allocations, payouts and fees, the equations and every named difference.
import { CheckCircleOutlined, WarningOutlined } from "@ant-design/icons";
import { Alert, Card, DatePicker, Descriptions, Form, Table, Tag } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { graphql } from "../../gql";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatMoney, toKopecks } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { CHANNEL, PAYMENT_STATUS, PAYOUT_STATUS, PageTitle } from "../common";

const ReconciliationQuery = graphql(`
  query OfficeReconciliation($day: Date!) {
    reconciliation(day: $day) {
      day ok unexplained
      moneyIn { key amount }
      moneyInTotal paymentsCount allocated
      pending { key amount }
      pendingTotal pendingCount refunded allocationsMade paidOutNet paidOutFee notPaidOut
      payouts { payoutId principalId businessDay status gross fee net orderNumber dayGross dayFee dayNet }
      ledgerDay { account expected actual }
      ledgerBalance { account expected actual }
      equations { name left right difference }
      differences { kind ref account expected actual amount message }
      explained { kind ref amount message }
    }
  }
`);

const DIFF_KIND: Record<string, string> = { payment: "платёж", payout: "перечисление", ledger: "проводка", balance: "остаток" };
// the kinds of an explained amount (payments.reconciliation.Explained)
const EXPLAINED_KIND: Record<string, string> = {
  pending_payment: "не распределён",
  refunded_payment: "возвращён",
  not_paid_out: "ещё не перечислено",
  payout_not_exported: "перечисление не выгружено",
  payout_awaiting_statement: "ждёт выписки банка",
  other_ledger_operation: "прочая проводка",
};

export default function ReconciliationPage() {
  const [day, setDay] = useState<Dayjs>(() => dayjs().subtract(1, "day"));
  const value = day.format("YYYY-MM-DD");
  const query = useGql(ReconciliationQuery, { day: value });
  const r = query.data?.reconciliation;

  return (
    <>
      <PageTitle>Сверка</PageTitle>
      <Form layout="inline" style={{ marginBottom: 16 }}>
        <Form.Item label="День" htmlFor="office-reconciliation-day">
          <DatePicker
            id="office-reconciliation-day"
            format="DD.MM.YYYY"
            allowClear={false}
            value={day}
            onChange={(v) => v && setDay(v)}
          />
        </Form.Item>
      </Form>
      <QueryState loading={query.isLoading} error={query.error} retry={() => query.refetch()}>
        {r && (
          <>
            {toKopecks(r.unexplained) === 0 ? (
              <Alert
                type="success"
                showIcon
                icon={<CheckCircleOutlined />}
                role="status"
                title="Расхождений нет"
                description={`Сверка за ${formatDate(r.day)}: все суммы объяснены.`}
                style={{ marginBottom: 16 }}
              />
            ) : (
              <Alert
                type="error"
                showIcon
                icon={<WarningOutlined />}
                role="alert"
                title={`Необъяснённые расхождения: ${formatMoney(r.unexplained)}`}
                description={`Сверка за ${formatDate(r.day)}: расхождения перечислены ниже.`}
                style={{ marginBottom: 16 }}
              />
            )}
            <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(340px, 1fr))", gap: 16, marginBottom: 16 }}>
              <Card title="Поступления">
                <Descriptions
                  column={1}
                  size="small"
                  items={[
                    ...r.moneyIn.map((m) => ({ key: m.key, label: CHANNEL[m.key] ?? m.key, children: formatMoney(m.amount) })),
                    { key: "total", label: <strong>Всего ({r.paymentsCount} платежей)</strong>, children: <strong>{formatMoney(r.moneyInTotal)}</strong> },
                  ]}
                />
              </Card>
              <Card title="Куда ушли деньги дня">
                <Descriptions
                  column={1}
                  size="small"
                  items={[
                    { key: "alloc", label: "Распределено", children: formatMoney(r.allocated) },
                    ...r.pending.map((p) => ({
                      key: `p-${p.key}`,
                      label: `Ожидают: ${PAYMENT_STATUS[p.key.toUpperCase()]?.label ?? p.key}`,
                      children: formatMoney(p.amount),
                    })),
                    { key: "pending", label: `Ожидают всего (${r.pendingCount})`, children: formatMoney(r.pendingTotal) },
                    { key: "refunded", label: "Возвращено", children: formatMoney(r.refunded) },
                  ]}
                />
              </Card>
              <Card title="Распределения и перечисления">
                <Descriptions
                  column={1}
                  size="small"
                  items={[
                    { key: "made", label: "Распределено за день", children: formatMoney(r.allocationsMade) },
                    { key: "net", label: "Перечислено принципалам", children: formatMoney(r.paidOutNet) },
                    { key: "fee", label: "Вознаграждение агента", children: formatMoney(r.paidOutFee) },
                    { key: "not", label: "Ещё не перечислено", children: formatMoney(r.notPaidOut) },
                  ]}
                />
              </Card>
            </div>
            <Card title="Равенства" style={{ marginBottom: 16 }}>
              <Table
                rowKey="name"
                size="small"
                pagination={false}
                dataSource={r.equations}
                scroll={{ x: true }}
                columns={[
                  { title: "Равенство", dataIndex: "name" },
                  { title: "Слева", dataIndex: "left", align: "right", render: formatMoney },
                  { title: "Справа", dataIndex: "right", align: "right", render: formatMoney },
                  {
                    title: "Разница",
                    dataIndex: "difference",
                    align: "right",
                    render: (d: string) =>
                      toKopecks(d) === 0 ? <Tag color="green">{formatMoney(d)}</Tag> : <Tag color="red">{formatMoney(d)}</Tag>,
                  },
                ]}
              />
            </Card>
            <Card title="Расхождения" style={{ marginBottom: 16 }}>
              <Table
                rowKey={(d) => `${d.kind}-${d.ref}-${d.account}`}
                size="small"
                pagination={false}
                dataSource={r.differences}
                locale={{ emptyText: "Расхождений нет" }}
                scroll={{ x: true }}
                columns={[
                  { title: "Вид", dataIndex: "kind", render: (k: string) => DIFF_KIND[k] ?? k },
                  { title: "Ссылка", dataIndex: "ref" },
                  { title: "Счёт", dataIndex: "account" },
                  { title: "Ожидалось", dataIndex: "expected", align: "right", render: formatMoney },
                  { title: "Фактически", dataIndex: "actual", align: "right", render: formatMoney },
                  { title: "Разница", dataIndex: "amount", align: "right", render: formatMoney },
                  { title: "Описание", dataIndex: "message" },
                ]}
              />
            </Card>
            <Card title="Объяснённые суммы" style={{ marginBottom: 16 }}>
              <Table
                rowKey={(e) => `${e.kind}-${e.ref}`}
                size="small"
                pagination={r.explained.length > 20 ? { pageSize: 20 } : false}
                dataSource={r.explained}
                locale={{ emptyText: "Нет" }}
                scroll={{ x: true }}
                columns={[
                  { title: "Вид", dataIndex: "kind", render: (k: string) => EXPLAINED_KIND[k] ?? k },
                  { title: "Ссылка", dataIndex: "ref" },
                  { title: "Сумма", dataIndex: "amount", align: "right", render: formatMoney },
                  { title: "Пояснение", dataIndex: "message" },
                ]}
              />
            </Card>
            <Card title="Перечисления с деньгами дня" style={{ marginBottom: 16 }}>
              <Table
                rowKey="payoutId"
                size="small"
                pagination={false}
                dataSource={r.payouts}
                locale={{ emptyText: "Нет" }}
                scroll={{ x: true }}
                columns={[
                  { title: "№", dataIndex: "payoutId" },
                  { title: "День", dataIndex: "businessDay", render: formatDate },
                  {
                    title: "Статус",
                    dataIndex: "status",
                    render: (s: string) => <Tag color={PAYOUT_STATUS[s]?.color}>{PAYOUT_STATUS[s]?.label ?? s}</Tag>,
                  },
                  { title: "Собрано (всего)", dataIndex: "gross", align: "right", render: formatMoney },
                  { title: "Из них за день", dataIndex: "dayGross", align: "right", render: formatMoney },
                  { title: "Вознаграждение за день", dataIndex: "dayFee", align: "right", render: formatMoney },
                  { title: "Перечислено за день", dataIndex: "dayNet", align: "right", render: formatMoney },
                ]}
              />
            </Card>
            <Card title="Книга агента">
              <LedgerTable title="Обороты дня" rows={r.ledgerDay} />
              <LedgerTable title="Остатки на конец дня" rows={r.ledgerBalance} />
            </Card>
          </>
        )}
      </QueryState>
    </>
  );
}

function LedgerTable({ title, rows }: { title: string; rows: { account: string; expected: string; actual: string }[] }) {
  return (
    <Table
      title={() => title}
      rowKey="account"
      size="small"
      pagination={false}
      dataSource={rows}
      scroll={{ x: true }}
      style={{ marginBottom: 16 }}
      columns={[
        { title: "Счёт", dataIndex: "account" },
        { title: "Ожидается", dataIndex: "expected", align: "right", render: formatMoney },
        { title: "В книге", dataIndex: "actual", align: "right", render: formatMoney },
        {
          title: "Сходится",
          key: "ok",
          render: (_, l) => (toKopecks(l.expected) === toKopecks(l.actual) ? <Tag color="green">да</Tag> : <Tag color="red">нет</Tag>),
        },
      ]}
    />
  );
}
