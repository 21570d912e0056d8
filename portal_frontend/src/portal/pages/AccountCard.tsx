// An account's card: the payer and premise, charges, payments, meters with readings, documents.
import { ArrowLeftOutlined } from "@ant-design/icons";
import { Card, DatePicker, Descriptions, Empty, Form, Space, Table, Tabs, Tag, Typography } from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { graphql } from "../../gql";
import type { PortalAccountCardQuery } from "../../gql/graphql";
import { QueryState } from "../../shared/QueryState";
import { useCan } from "../../shared/auth";
import { formatDate, formatMoney, formatMonth, formatQuantity, toKopecks } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { PERIOD_STATUS, READING_SOURCE, RECEIPT_SOURCE, VOLUME_METHOD } from "../labels";
import { labelOf } from "../../shared/labels";

const AccountPenaltyQuery = graphql(`
  query PortalAccountPenalty($accountId: ID!) {
    penaltyStatement(accountId: $accountId) {
      calculationDate total unallocated paymentDayAccrues paymentDayRule stale
      ruleTables { name lastChange source confidence daysPast staleDays stale }
      rows { period debt dateFrom dateTo days band rate formula amount note }
    }
  }
`);

const AccountCardQuery = graphql(`
  query PortalAccountCard($id: ID!) {
    account(id: $id) {
      account {
        id number payerName address houseAddress premiseNumber chargeArea ownershipShare persons
        openedOn closedOn debt
        services { serviceId name unit validFrom }
      }
      meters {
        id serial serviceName unit zones digitCapacity installedOn verifiedUntil archivedAt
        readings { id period zone value readingDate source flagged }
      }
      chargePeriods(periods: 12) {
        month status total
        charges { id serviceName unit quantity method rate amount }
      }
    }
  }
`);

const AccountReceiptsQuery = graphql(`
  query PortalAccountReceipts($accountNumber: String, $first: Int, $after: String) {
    principalReceipts(accountNumber: $accountNumber, first: $first, after: $after) {
      totalCount totalAmount
      pageInfo { hasNextPage endCursor }
      nodes { id paidOn amount serviceCode source documentNumber comment }
    }
  }
`);

const AccountDocumentsQuery = graphql(`
  query PortalAccountDocuments($month: Date!, $accountNumber: String) {
    principalEpdBlocks(month: $month, accountNumber: $accountNumber, allVersions: true, first: 50) {
      totalCount
      nodes {
        id ipd month version isCurrent dueDate amountDue
        block { opening charged recalculated benefits penalties paid closing amountDue }
      }
    }
  }
`);

type Card = NonNullable<PortalAccountCardQuery["account"]>;

export default function AccountCardPage() {
  const { t } = useTranslation("portal");
  const { id = "" } = useParams();
  const q = useGql(AccountCardQuery, { id });
  const card = q.data?.account;
  const canCharges = useCan("CHARGES_VIEW");
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Link to="/accounts">
        <ArrowLeftOutlined /> {t("accountCard.back")}
      </Link>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch} empty={!!q.data && !card} emptyText={t("accountCard.notFound")}>
        {card && (
          <>
            <Typography.Title level={2} style={{ margin: 0 }}>
              {t("accountCard.title", { number: card.account.number })}
            </Typography.Title>
            <Tabs
              items={[
                { key: "main", label: t("accountCard.tabs.info"), children: <General card={card} /> },
                { key: "charges", label: t("accountCard.tabs.charges"), children: <Charges card={card} /> },
                { key: "payments", label: t("accountCard.tabs.payments"), children: <Receipts accountNumber={card.account.number} /> },
                { key: "meters", label: t("accountCard.tabs.meters"), children: <Meters card={card} /> },
                ...(canCharges
                  ? [{ key: "penalty", label: t("accountCard.tabs.penalty"), children: <Penalty accountId={card.account.id} /> }]
                  : []),
                {
                  key: "documents",
                  label: t("accountCard.tabs.documents"),
                  children: <Documents accountNumber={card.account.number} latest={card.chargePeriods?.[0]?.month} />,
                },
              ]}
            />
          </>
        )}
      </QueryState>
    </Space>
  );
}

function General({ card }: { card: Card }) {
  const { t } = useTranslation("portal");
  const a = card.account;
  const debt = toKopecks(a.debt); // only its sign matters: debt or advance
  return (
    <Card>
      <Descriptions column={{ xs: 1, md: 2 }} bordered size="small">
        <Descriptions.Item label={t("accountCard.general.payer")}>{a.payerName}</Descriptions.Item>
        <Descriptions.Item label={t("accountCard.general.address")}>{a.address}</Descriptions.Item>
        <Descriptions.Item label={t("accountCard.general.area")}>{t("accountCard.general.areaValue", { area: formatQuantity(a.chargeArea) })}</Descriptions.Item>
        <Descriptions.Item label={t("accountCard.general.share")}>{formatQuantity(a.ownershipShare)}</Descriptions.Item>
        <Descriptions.Item label={t("accountCard.general.persons")}>{a.persons ?? t("accountCard.general.noData")}</Descriptions.Item>
        <Descriptions.Item label={t("accountCard.general.opened")}>{formatDate(a.openedOn)}</Descriptions.Item>
        {a.closedOn && <Descriptions.Item label={t("accountCard.general.closed")}>{formatDate(a.closedOn)}</Descriptions.Item>}
        <Descriptions.Item label={debt < 0 ? t("accountCard.general.advance") : t("accountCard.general.debt")}>
          <Typography.Text strong type={debt > 0 ? "danger" : undefined}>
            {a.debt == null ? t("accountCard.general.noPostedPeriods") : formatMoney(debt < 0 ? a.debt.replace("-", "") : a.debt)}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t("accountCard.general.services")} span={2}>
          <Space wrap>
            {a.services.map((s) => (
              <Tag key={s.serviceId}>{s.name}</Tag>
            ))}
          </Space>
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

function Charges({ card }: { card: Card }) {
  const { t } = useTranslation("portal");
  if (card.chargePeriods == null) return <Empty description={t("accountCard.charges.noRight")} />;
  return (
    <Table
      rowKey="month"
      dataSource={card.chargePeriods}
      pagination={false}
      locale={{ emptyText: t("accountCard.charges.empty") }}
      expandable={{
        expandedRowRender: (p) => (
          <Table
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={p.charges}
            columns={[
              { title: t("accountCard.charges.service"), dataIndex: "serviceName" },
              { title: t("accountCard.charges.volume"), render: (_v, c) => `${formatQuantity(c.quantity)} ${c.unit}` },
              { title: t("accountCard.charges.method"), dataIndex: "method", render: (m: string) => labelOf(t, VOLUME_METHOD, m) },
              { title: t("accountCard.charges.rate"), dataIndex: "rate", align: "right", render: formatMoney },
              { title: t("accountCard.charges.amount"), dataIndex: "amount", align: "right", render: formatMoney },
            ]}
          />
        ),
      }}
      columns={[
        { title: t("accountCard.charges.month"), dataIndex: "month", render: formatMonth },
        { title: t("accountCard.charges.status"), dataIndex: "status", render: (s: string) => labelOf(t, PERIOD_STATUS, s) },
        { title: t("accountCard.charges.charged"), dataIndex: "total", align: "right", render: formatMoney },
      ]}
    />
  );
}

/** «Расчёт пеней» (ЖК РФ ст.155 ч.14) with the settings it was made under: the payment-day rule, the rule
 * tables (key rate, caps) and their age; moratoria and caps show on the rows they touch. */
function Penalty({ accountId }: { accountId: string }) {
  const { t } = useTranslation("portal");
  const q = useGql(AccountPenaltyQuery, { accountId });
  const s = q.data?.penaltyStatement;
  return (
    <QueryState loading={q.isLoading} error={q.error} retry={q.refetch} empty={false}>
      {s && (
        <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t("accountCard.penalty.title", { date: formatDate(s.calculationDate) })}
          </Typography.Title>
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t("accountCard.penalty.paymentDay")}>
              <Tag color={s.paymentDayAccrues ? "blue" : "default"}>
                {s.paymentDayAccrues ? t("accountCard.penalty.paymentDayAccrues") : t("accountCard.penalty.paymentDayFree")}
              </Tag>
              {s.paymentDayRule}
            </Descriptions.Item>
            {s.ruleTables.map((r) => (
              <Descriptions.Item key={r.name} label={r.name}>
                {t("accountCard.penalty.tableAge", { date: formatDate(r.lastChange), days: r.daysPast, source: r.source })}{" "}
                {r.stale && <Tag color="orange">{t("accountCard.penalty.stale", { limit: r.staleDays })}</Tag>}
              </Descriptions.Item>
            ))}
            <Descriptions.Item label={t("accountCard.penalty.total")}>{formatMoney(s.total)}</Descriptions.Item>
          </Descriptions>
          <Table
            rowKey={(r) => `${r.period}-${r.dateFrom}`}
            size="small"
            pagination={s.rows.length > 20 ? { pageSize: 20 } : false}
            dataSource={s.rows}
            locale={{ emptyText: t("accountCard.penalty.empty") }}
            columns={[
              { title: t("accountCard.penalty.period"), dataIndex: "period", render: formatMonth },
              { title: t("accountCard.penalty.debt"), dataIndex: "debt", align: "right", render: formatMoney },
              {
                title: t("accountCard.penalty.dates"),
                render: (_v, r) => `${formatDate(r.dateFrom)} – ${formatDate(r.dateTo)} (${r.days})`,
              },
              { title: t("accountCard.penalty.band"), dataIndex: "band" },
              { title: t("accountCard.penalty.rate"), dataIndex: "rate", align: "right", render: (v: string | null) => v ?? "—" },
              { title: t("accountCard.penalty.amount"), dataIndex: "amount", align: "right", render: formatMoney },
              { title: t("accountCard.penalty.note"), dataIndex: "note" },
            ]}
          />
        </Space>
      )}
    </QueryState>
  );
}

function Receipts({ accountNumber }: { accountNumber: string }) {
  const { t } = useTranslation("portal");
  const pages = useCursorPages(10);
  const q = useGql(AccountReceiptsQuery, { accountNumber, first: pages.first, after: pages.after }, {
    placeholderData: (prev) => prev,
  });
  const data = q.data?.principalReceipts;
  return (
    <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
      <Typography.Paragraph>{t("accountCard.receipts.total", { sum: formatMoney(data?.totalAmount) })}</Typography.Paragraph>
      <Table
        rowKey="id"
        loading={q.isFetching}
        dataSource={data?.nodes ?? []}
        pagination={false}
        locale={{ emptyText: t("accountCard.receipts.empty") }}
        columns={[
          { title: t("accountCard.receipts.date"), dataIndex: "paidOn", render: formatDate },
          { title: t("accountCard.receipts.amount"), dataIndex: "amount", align: "right", render: formatMoney },
          { title: t("accountCard.receipts.service"), dataIndex: "serviceCode", render: (v: string | null) => v ?? t("accountCard.receipts.advance") },
          { title: t("accountCard.receipts.source"), dataIndex: "source", render: (v: string) => labelOf(t, RECEIPT_SOURCE, v) },
          { title: t("accountCard.receipts.document"), dataIndex: "documentNumber", render: (v: string | null) => v ?? "—" },
        ]}
      />
      <CursorPager pages={pages} totalCount={data?.totalCount} hasNextPage={data?.pageInfo.hasNextPage} endCursor={data?.pageInfo.endCursor} loading={q.isFetching} />
    </QueryState>
  );
}

function Meters({ card }: { card: Card }) {
  const { t } = useTranslation("portal");
  if (!card.meters.length) return <Empty description={t("accountCard.meters.empty")} />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      {card.meters.map((m) => (
        <Card
          key={m.id}
          size="small"
          title={t("accountCard.meters.title", { service: m.serviceName, serial: m.serial })}
          extra={m.archivedAt ? <Tag>{t("accountCard.meters.archived", { date: formatDate(m.archivedAt) })}</Tag> : <Tag color="green">{t("accountCard.meters.working")}</Tag>}
        >
          <Typography.Paragraph type="secondary">
            {t("accountCard.meters.info", {
              zones: m.zones,
              digits: m.digitCapacity,
              installed: formatDate(m.installedOn),
              verified: formatDate(m.verifiedUntil),
            })}
          </Typography.Paragraph>
          <Table
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={m.readings}
            locale={{ emptyText: t("accountCard.meters.readingsEmpty") }}
            columns={[
              { title: t("accountCard.meters.month"), dataIndex: "period", render: formatMonth },
              { title: t("accountCard.meters.zone"), dataIndex: "zone" },
              { title: t("accountCard.meters.value", { unit: m.unit }), dataIndex: "value", align: "right", render: (v: string) => formatQuantity(v) },
              { title: t("accountCard.meters.date"), dataIndex: "readingDate", render: formatDate },
              { title: t("accountCard.meters.source"), dataIndex: "source", render: (v: string) => labelOf(t, READING_SOURCE, v) },
              { title: "", dataIndex: "flagged", render: (f: boolean) => (f ? <Tag color="orange">{t("accountCard.meters.flagged")}</Tag> : null) },
            ]}
          />
        </Card>
      ))}
    </Space>
  );
}

function Documents({ accountNumber, latest }: { accountNumber: string; latest?: string }) {
  const { t } = useTranslation("portal");
  const [month, setMonth] = useState(latest ?? dayjs().subtract(1, "month").startOf("month").format("YYYY-MM-DD"));
  const canPayments = useCan("PAYMENTS_VIEW");
  const q = useGql(AccountDocumentsQuery, { month, accountNumber });
  const nodes = q.data?.principalEpdBlocks.nodes ?? [];
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Form layout="inline">
        <Form.Item label={t("accountCard.documents.month")}>
          <DatePicker
            picker="month"
            allowClear={false}
            value={dayjs(month)}
            format="MMMM YYYY"
            onChange={(d) => d && setMonth(d.startOf("month").format("YYYY-MM-DD"))}
          />
        </Form.Item>
      </Form>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Table
          rowKey="id"
          pagination={false}
          dataSource={nodes}
          locale={{ emptyText: t("accountCard.documents.empty") }}
          scroll={{ x: 900 }}
          columns={[
            { title: t("accountCard.documents.ipd"), dataIndex: "ipd" },
            { title: t("accountCard.documents.version"), dataIndex: "version", render: (v: number, r) => <Space>{v}{r.isCurrent ? <Tag color="green">{t("accountCard.documents.current")}</Tag> : <Tag>{t("accountCard.documents.replaced")}</Tag>}</Space> },
            { title: t("accountCard.documents.dueDate"), dataIndex: "dueDate", render: formatDate },
            { title: t("accountCard.documents.opening"), render: (_v, r) => formatMoney(r.block.opening) },
            { title: t("accountCard.documents.charged"), render: (_v, r) => formatMoney(r.block.charged) },
            { title: t("accountCard.documents.paid"), render: (_v, r) => formatMoney(r.block.paid) },
            { title: t("accountCard.documents.amountDue"), dataIndex: "amountDue", align: "right", render: formatMoney },
          ]}
        />
      </QueryState>
      {canPayments && (
        <Link to={`/payments?account=${encodeURIComponent(accountNumber)}`}>{t("accountCard.documents.allPayments")}</Link>
      )}
    </Space>
  );
}
