// «Сверка»: a day's money in, allocations, payouts and fees, the equations and every named difference.
import { CheckCircleOutlined, WarningOutlined } from "@ant-design/icons";
import { Alert, Card, DatePicker, Descriptions, Form, Table, Tag } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatMoney, toKopecks } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { CHANNEL, DeadlineCell, PAYMENT_STATUS, PAYOUT_STATUS, PageTitle, label, type OfficeKey } from "../common";

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
      latePayouts { payoutId principalName businessDay coversFrom deadline state daysLate status orderDate net }
    }
  }
`);

const DIFF_KIND: Record<string, OfficeKey> = {
  payment: "diffKind.payment",
  payout: "diffKind.payout",
  ledger: "diffKind.ledger",
  balance: "diffKind.balance",
};
// the kinds of an explained amount (payments.reconciliation.Explained)
const EXPLAINED_KIND: Record<string, OfficeKey> = {
  pending_payment: "explainedKind.pending_payment",
  refunded_payment: "explainedKind.refunded_payment",
  not_paid_out: "explainedKind.not_paid_out",
  payout_not_exported: "explainedKind.payout_not_exported",
  payout_awaiting_statement: "explainedKind.payout_awaiting_statement",
  other_ledger_operation: "explainedKind.other_ledger_operation",
};

export default function ReconciliationPage() {
  const { t } = useTranslation("office");
  const [day, setDay] = useState<Dayjs>(() => dayjs().subtract(1, "day"));
  const value = day.format("YYYY-MM-DD");
  const query = useGql(ReconciliationQuery, { day: value });
  const r = query.data?.reconciliation;

  return (
    <>
      <PageTitle>{t("reconciliation.title")}</PageTitle>
      <Form layout="inline" style={{ marginBottom: 16 }}>
        <Form.Item label={t("reconciliation.day")} htmlFor="office-reconciliation-day">
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
            {/* the server's verdict: `unexplained` leaves out balance differences and the equations */}
            {r.ok ? (
              <Alert
                type="success"
                showIcon
                icon={<CheckCircleOutlined />}
                role="status"
                title={t("reconciliation.noDifferences")}
                description={t("reconciliation.allExplained", { day: formatDate(r.day) })}
                style={{ marginBottom: 16 }}
              />
            ) : (
              <Alert
                type="error"
                showIcon
                icon={<WarningOutlined />}
                role="alert"
                title={t("reconciliation.unexplained", { amount: formatMoney(r.unexplained) })}
                description={t("reconciliation.differencesBelow", { day: formatDate(r.day) })}
                style={{ marginBottom: 16 }}
              />
            )}
            <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(340px, 1fr))", gap: 16, marginBottom: 16 }}>
              <Card title={t("reconciliation.moneyIn")}>
                <Descriptions
                  column={1}
                  size="small"
                  items={[
                    ...r.moneyIn.map((m) => ({ key: m.key, label: label(t, CHANNEL, m.key), children: formatMoney(m.amount) })),
                    { key: "total", label: <strong>{t("reconciliation.paymentsTotal", { count: r.paymentsCount })}</strong>, children: <strong>{formatMoney(r.moneyInTotal)}</strong> },
                  ]}
                />
              </Card>
              <Card title={t("reconciliation.whereMoneyWent")}>
                <Descriptions
                  column={1}
                  size="small"
                  items={[
                    { key: "alloc", label: t("reconciliation.allocated"), children: formatMoney(r.allocated) },
                    ...r.pending.map((p) => ({
                      key: `p-${p.key}`,
                      label: t("reconciliation.pending", { status: PAYMENT_STATUS[p.key.toUpperCase()] ? t(PAYMENT_STATUS[p.key.toUpperCase()].label) : p.key }),
                      children: formatMoney(p.amount),
                    })),
                    { key: "pending", label: t("reconciliation.pendingTotal", { pending: r.pendingCount }), children: formatMoney(r.pendingTotal) },
                    { key: "refunded", label: t("reconciliation.refunded"), children: formatMoney(r.refunded) },
                  ]}
                />
              </Card>
              <Card title={t("reconciliation.allocationsAndPayouts")}>
                <Descriptions
                  column={1}
                  size="small"
                  items={[
                    { key: "made", label: t("reconciliation.allocationsMade"), children: formatMoney(r.allocationsMade) },
                    { key: "net", label: t("reconciliation.paidOutNet"), children: formatMoney(r.paidOutNet) },
                    { key: "fee", label: t("reconciliation.paidOutFee"), children: formatMoney(r.paidOutFee) },
                    { key: "not", label: t("reconciliation.notPaidOut"), children: formatMoney(r.notPaidOut) },
                  ]}
                />
              </Card>
            </div>
            <Card title={t("reconciliation.equations")} style={{ marginBottom: 16 }}>
              <Table
                rowKey="name"
                size="small"
                pagination={false}
                dataSource={r.equations}
                scroll={{ x: true }}
                columns={[
                  { title: t("reconciliation.equation"), dataIndex: "name" },
                  { title: t("reconciliation.left"), dataIndex: "left", align: "right", render: formatMoney },
                  { title: t("reconciliation.right"), dataIndex: "right", align: "right", render: formatMoney },
                  {
                    title: t("reconciliation.difference"),
                    dataIndex: "difference",
                    align: "right",
                    render: (d: string) =>
                      toKopecks(d) === 0 ? <Tag color="green">{formatMoney(d)}</Tag> : <Tag color="red">{formatMoney(d)}</Tag>,
                  },
                ]}
              />
            </Card>
            <Card title={t("reconciliation.differences")} style={{ marginBottom: 16 }}>
              <Table
                rowKey={(d) => `${d.kind}-${d.ref}-${d.account}`}
                size="small"
                pagination={false}
                dataSource={r.differences}
                locale={{ emptyText: t("reconciliation.noDifferences") }}
                scroll={{ x: true }}
                columns={[
                  { title: t("reconciliation.kind"), dataIndex: "kind", render: (k: string) => label(t, DIFF_KIND, k) },
                  { title: t("reconciliation.ref"), dataIndex: "ref" },
                  { title: t("reconciliation.account"), dataIndex: "account" },
                  { title: t("reconciliation.expected"), dataIndex: "expected", align: "right", render: formatMoney },
                  { title: t("reconciliation.actual"), dataIndex: "actual", align: "right", render: formatMoney },
                  { title: t("reconciliation.difference"), dataIndex: "amount", align: "right", render: formatMoney },
                  { title: t("reconciliation.description"), dataIndex: "message" },
                ]}
              />
            </Card>
            <Card title={t("reconciliation.explained")} style={{ marginBottom: 16 }}>
              <Table
                rowKey={(e) => `${e.kind}-${e.ref}`}
                size="small"
                pagination={r.explained.length > 20 ? { pageSize: 20 } : false}
                dataSource={r.explained}
                locale={{ emptyText: t("common.none") }}
                scroll={{ x: true }}
                columns={[
                  { title: t("reconciliation.kind"), dataIndex: "kind", render: (k: string) => label(t, EXPLAINED_KIND, k) },
                  { title: t("reconciliation.ref"), dataIndex: "ref" },
                  { title: t("reconciliation.amount"), dataIndex: "amount", align: "right", render: formatMoney },
                  { title: t("reconciliation.explanation"), dataIndex: "message" },
                ]}
              />
            </Card>
            <Card title={t("reconciliation.payouts")} style={{ marginBottom: 16 }}>
              <Table
                rowKey="payoutId"
                size="small"
                pagination={false}
                dataSource={r.payouts}
                locale={{ emptyText: t("common.none") }}
                scroll={{ x: true }}
                columns={[
                  { title: t("reconciliation.payoutNumber"), dataIndex: "payoutId" },
                  { title: t("reconciliation.payoutDay"), dataIndex: "businessDay", render: formatDate },
                  {
                    title: t("common.status"),
                    dataIndex: "status",
                    render: (s: string) => <Tag color={PAYOUT_STATUS[s]?.color}>{PAYOUT_STATUS[s] ? t(PAYOUT_STATUS[s].label) : s}</Tag>,
                  },
                  { title: t("reconciliation.gross"), dataIndex: "gross", align: "right", render: formatMoney },
                  { title: t("reconciliation.dayGross"), dataIndex: "dayGross", align: "right", render: formatMoney },
                  { title: t("reconciliation.dayFee"), dataIndex: "dayFee", align: "right", render: formatMoney },
                  { title: t("reconciliation.dayNet"), dataIndex: "dayNet", align: "right", render: formatMoney },
                ]}
              />
            </Card>
            <Card title={t("reconciliation.latePayouts")} style={{ marginBottom: 16 }}>
              <Table
                rowKey="payoutId"
                size="small"
                pagination={false}
                dataSource={r.latePayouts}
                locale={{ emptyText: t("reconciliation.noLatePayouts") }}
                scroll={{ x: true }}
                columns={[
                  { title: t("reconciliation.payoutNumber"), dataIndex: "payoutId" },
                  { title: t("payouts.columns.principal"), dataIndex: "principalName" },
                  { title: t("reconciliation.payoutDay"), dataIndex: "businessDay", render: formatDate },
                  { title: t("reconciliation.moneyOf"), dataIndex: "coversFrom", render: formatDate },
                  {
                    title: t("payouts.columns.deadline"),
                    key: "deadline",
                    render: (_, p) => <DeadlineCell deadline={p.deadline} state={p.state} daysLate={p.daysLate} />,
                  },
                  {
                    title: t("common.status"),
                    dataIndex: "status",
                    render: (s: string) => <Tag color={PAYOUT_STATUS[s]?.color}>{PAYOUT_STATUS[s] ? t(PAYOUT_STATUS[s].label) : s}</Tag>,
                  },
                  { title: t("reconciliation.orderDate"), dataIndex: "orderDate", render: (d: string | null) => (d ? formatDate(d) : "—") },
                  { title: t("payouts.columns.net"), dataIndex: "net", align: "right", render: formatMoney },
                ]}
              />
            </Card>
            <Card title={t("reconciliation.ledger")}>
              <LedgerTable title={t("reconciliation.ledgerDay")} rows={r.ledgerDay} />
              <LedgerTable title={t("reconciliation.ledgerBalance")} rows={r.ledgerBalance} />
            </Card>
          </>
        )}
      </QueryState>
    </>
  );
}

function LedgerTable({ title, rows }: { title: string; rows: { account: string; expected: string; actual: string }[] }) {
  const { t } = useTranslation("office");
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
        { title: t("reconciliation.account"), dataIndex: "account" },
        { title: t("reconciliation.ledgerExpected"), dataIndex: "expected", align: "right", render: formatMoney },
        { title: t("reconciliation.ledgerActual"), dataIndex: "actual", align: "right", render: formatMoney },
        {
          title: t("reconciliation.matches"),
          key: "ok",
          render: (_, l) => (toKopecks(l.expected) === toKopecks(l.actual) ? <Tag color="green">{t("reconciliation.yes")}</Tag> : <Tag color="red">{t("reconciliation.no")}</Tag>),
        },
      ]}
    />
  );
}
