// An account's card: the payer and premise, charges, payments, meters with readings, documents.
import { ArrowLeftOutlined } from "@ant-design/icons";
import { Button, Card, DatePicker, Descriptions, Empty, Form, Space, Table, Tabs, Tag, Typography } from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { graphql } from "../../gql";
import type { PortalAccountCardQuery } from "../../gql/graphql";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatMoney, formatMonth } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../components/CursorPager";
import { PERIOD_STATUS, READING_SOURCE, RECEIPT_SOURCE, VOLUME_METHOD } from "../labels";

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
  const { id = "" } = useParams();
  const q = useGql(AccountCardQuery, { id });
  const card = q.data?.account;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Link to="/accounts">
        <ArrowLeftOutlined /> К списку счетов
      </Link>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch} empty={!!q.data && !card} emptyText="Лицевой счёт не найден">
        {card && (
          <>
            <Typography.Title level={2} style={{ margin: 0 }}>
              Лицевой счёт {card.account.number}
            </Typography.Title>
            <Tabs
              items={[
                { key: "main", label: "Сведения", children: <General card={card} /> },
                { key: "charges", label: "Начисления", children: <Charges card={card} /> },
                { key: "payments", label: "Платежи", children: <Receipts accountNumber={card.account.number} /> },
                { key: "meters", label: "Приборы учёта", children: <Meters card={card} /> },
                {
                  key: "documents",
                  label: "Документы",
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
  const a = card.account;
  const debt = a.debt ? Number(a.debt) : 0;
  return (
    <Card>
      <Descriptions column={{ xs: 1, md: 2 }} bordered size="small">
        <Descriptions.Item label="Плательщик">{a.payerName}</Descriptions.Item>
        <Descriptions.Item label="Адрес">{a.address}</Descriptions.Item>
        <Descriptions.Item label="Площадь">{a.chargeArea.replace(".", ",")} м²</Descriptions.Item>
        <Descriptions.Item label="Доля собственности">{a.ownershipShare.replace(".", ",")}</Descriptions.Item>
        <Descriptions.Item label="Проживает">{a.persons ?? "нет сведений"}</Descriptions.Item>
        <Descriptions.Item label="Открыт">{formatDate(a.openedOn)}</Descriptions.Item>
        {a.closedOn && <Descriptions.Item label="Закрыт">{formatDate(a.closedOn)}</Descriptions.Item>}
        <Descriptions.Item label={debt < 0 ? "Аванс (переплата)" : "Задолженность"}>
          <Typography.Text strong type={debt > 0 ? "danger" : undefined}>
            {a.debt == null ? "нет проведённых периодов" : formatMoney(debt < 0 ? a.debt.replace("-", "") : a.debt)}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label="Услуги" span={2}>
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
  if (card.chargePeriods == null) return <Empty description="Нет права просмотра начислений" />;
  return (
    <Table
      rowKey="month"
      dataSource={card.chargePeriods}
      pagination={false}
      locale={{ emptyText: "Начислений пока нет" }}
      expandable={{
        expandedRowRender: (p) => (
          <Table
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={p.charges}
            columns={[
              { title: "Услуга", dataIndex: "serviceName" },
              { title: "Объём", render: (_v, c) => `${c.quantity.replace(".", ",")} ${c.unit}` },
              { title: "Способ", dataIndex: "method", render: (m: string) => VOLUME_METHOD[m] ?? m },
              { title: "Тариф", dataIndex: "rate", align: "right", render: formatMoney },
              { title: "Сумма", dataIndex: "amount", align: "right", render: formatMoney },
            ]}
          />
        ),
      }}
      columns={[
        { title: "Месяц", dataIndex: "month", render: formatMonth },
        { title: "Статус", dataIndex: "status", render: (s: string) => PERIOD_STATUS[s] ?? s },
        { title: "Начислено", dataIndex: "total", align: "right", render: formatMoney },
      ]}
    />
  );
}

function Receipts({ accountNumber }: { accountNumber: string }) {
  const pages = useCursorPages(10);
  const q = useGql(AccountReceiptsQuery, { accountNumber, first: pages.first, after: pages.after }, {
    placeholderData: (prev) => prev,
  });
  const data = q.data?.principalReceipts;
  return (
    <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
      <Typography.Paragraph>Всего поступило: {formatMoney(data?.totalAmount)}</Typography.Paragraph>
      <Table
        rowKey="id"
        loading={q.isFetching}
        dataSource={data?.nodes ?? []}
        pagination={false}
        locale={{ emptyText: "Платежей нет" }}
        columns={[
          { title: "Дата", dataIndex: "paidOn", render: formatDate },
          { title: "Сумма", dataIndex: "amount", align: "right", render: formatMoney },
          { title: "Услуга", dataIndex: "serviceCode", render: (v: string | null) => v ?? "аванс" },
          { title: "Источник", dataIndex: "source", render: (v: string) => RECEIPT_SOURCE[v] ?? v },
          { title: "Документ", dataIndex: "documentNumber", render: (v: string | null) => v ?? "—" },
        ]}
      />
      <CursorPager pages={pages} totalCount={data?.totalCount} hasNextPage={data?.pageInfo.hasNextPage} endCursor={data?.pageInfo.endCursor} loading={q.isFetching} />
    </QueryState>
  );
}

function Meters({ card }: { card: Card }) {
  if (!card.meters.length) return <Empty description="Приборов учёта нет" />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      {card.meters.map((m) => (
        <Card
          key={m.id}
          size="small"
          title={`${m.serviceName}, № ${m.serial}`}
          extra={m.archivedAt ? <Tag>в архиве с {formatDate(m.archivedAt)}</Tag> : <Tag color="green">работает</Tag>}
        >
          <Typography.Paragraph type="secondary">
            Зон: {m.zones} · разрядность {m.digitCapacity} · установлен {formatDate(m.installedOn)} · поверка до{" "}
            {formatDate(m.verifiedUntil)}
          </Typography.Paragraph>
          <Table
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={m.readings}
            locale={{ emptyText: "Показаний нет" }}
            columns={[
              { title: "Месяц", dataIndex: "period", render: formatMonth },
              { title: "Зона", dataIndex: "zone" },
              { title: `Показание, ${m.unit}`, dataIndex: "value", align: "right", render: (v: string) => v.replace(".", ",") },
              { title: "Дата", dataIndex: "readingDate", render: formatDate },
              { title: "Источник", dataIndex: "source", render: (v: string) => READING_SOURCE[v] ?? v },
              { title: "", dataIndex: "flagged", render: (f: boolean) => (f ? <Tag color="orange">высокий расход</Tag> : null) },
            ]}
          />
        </Card>
      ))}
    </Space>
  );
}

function Documents({ accountNumber, latest }: { accountNumber: string; latest?: string }) {
  const [month, setMonth] = useState(latest ?? dayjs().subtract(1, "month").startOf("month").format("YYYY-MM-DD"));
  const q = useGql(AccountDocumentsQuery, { month, accountNumber });
  const nodes = q.data?.principalEpdBlocks.nodes ?? [];
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Form layout="inline">
        <Form.Item label="Месяц ЕПД">
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
          locale={{ emptyText: "ЕПД за этот месяц нет" }}
          scroll={{ x: 900 }}
          columns={[
            { title: "ИПД", dataIndex: "ipd" },
            { title: "Версия", dataIndex: "version", render: (v: number, r) => <Space>{v}{r.isCurrent ? <Tag color="green">текущая</Tag> : <Tag>заменена</Tag>}</Space> },
            { title: "Оплатить до", dataIndex: "dueDate", render: formatDate },
            { title: "Входящее сальдо", render: (_v, r) => formatMoney(r.block.opening) },
            { title: "Начислено", render: (_v, r) => formatMoney(r.block.charged) },
            { title: "Оплачено", render: (_v, r) => formatMoney(r.block.paid) },
            { title: "К оплате", dataIndex: "amountDue", align: "right", render: formatMoney },
          ]}
        />
      </QueryState>
      <Button type="link" href={`/payments?account=${accountNumber}`} style={{ padding: 0 }}>
        Все платежи по счёту
      </Button>
    </Space>
  );
}
