// «Перечисления»: the agent's transfers to the principal, with their registers.
import { FileExcelOutlined, FileTextOutlined } from "@ant-design/icons";
import { Button, Card, DatePicker, Form, Select, Space, Table, Tag, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { graphql } from "../../gql";
import type { PayoutStatus } from "../../gql/graphql";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatMoney } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../components/CursorPager";
import { PAYOUT_STATUS } from "../labels";

const PayoutsQuery = graphql(`
  query PortalPayouts($dateFrom: Date, $dateTo: Date, $status: PayoutStatus, $first: Int, $after: String) {
    principalPayouts(dateFrom: $dateFrom, dateTo: $dateTo, status: $status, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id businessDay coversFrom coversTo gross fee net status orderNumber orderDate payeeAccount
        registerXlsxUrl registerCsvUrl
      }
    }
  }
`);

export default function PayoutsPage() {
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const [status, setStatus] = useState<PayoutStatus | undefined>();
  const pages = useCursorPages(20);
  const q = useGql(PayoutsQuery, {
    dateFrom: range?.[0]?.format("YYYY-MM-DD") ?? null,
    dateTo: range?.[1]?.format("YYYY-MM-DD") ?? null,
    status: status ?? null,
    first: pages.first,
    after: pages.after,
  }, { placeholderData: (prev) => prev });
  const data = q.data?.principalPayouts;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Перечисления
      </Typography.Title>
      <Card>
        <Form layout="inline">
          <Form.Item label="Рабочий день">
            <DatePicker.RangePicker format="DD.MM.YYYY" value={range} onChange={(v) => { setRange(v); pages.reset(); }} />
          </Form.Item>
          <Form.Item label="Статус">
            <Select
              allowClear
              placeholder="Все"
              style={{ width: 220 }}
              value={status}
              onChange={(v) => { setStatus(v); pages.reset(); }}
              options={Object.entries(PAYOUT_STATUS).map(([value, s]) => ({ value, label: s.label }))}
            />
          </Form.Item>
        </Form>
      </Card>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Table
          rowKey="id"
          loading={q.isFetching}
          dataSource={data?.nodes ?? []}
          pagination={false}
          scroll={{ x: 1000 }}
          locale={{ emptyText: "Перечислений нет" }}
          columns={[
            { title: "Рабочий день", dataIndex: "businessDay", render: formatDate },
            {
              title: "Оплаты за период",
              render: (_v, p) => (p.coversFrom === p.coversTo ? formatDate(p.coversFrom) : `${formatDate(p.coversFrom)} — ${formatDate(p.coversTo)}`),
            },
            { title: "Собрано", dataIndex: "gross", align: "right", render: formatMoney },
            { title: "Вознаграждение агента", dataIndex: "fee", align: "right", render: formatMoney },
            { title: "К перечислению", dataIndex: "net", align: "right", render: (v: string) => <strong>{formatMoney(v)}</strong> },
            {
              title: "Статус",
              dataIndex: "status",
              render: (s: string) => <Tag color={PAYOUT_STATUS[s]?.color}>{PAYOUT_STATUS[s]?.label ?? s}</Tag>,
            },
            {
              title: "Платёжное поручение",
              render: (_v, p) => (p.orderNumber ? `№ ${p.orderNumber} от ${formatDate(p.orderDate)}` : "—"),
            },
            {
              title: "Реестр",
              render: (_v, p) => (
                <Space>
                  {p.registerXlsxUrl && (
                    <Button size="small" icon={<FileExcelOutlined />} href={p.registerXlsxUrl} aria-label={`Реестр XLSX за ${formatDate(p.businessDay)}`}>
                      XLSX
                    </Button>
                  )}
                  {p.registerCsvUrl && (
                    <Button size="small" icon={<FileTextOutlined />} href={p.registerCsvUrl} aria-label={`Реестр CSV за ${formatDate(p.businessDay)}`}>
                      CSV
                    </Button>
                  )}
                  {!p.registerXlsxUrl && !p.registerCsvUrl && "—"}
                </Space>
              ),
            },
          ]}
        />
        <CursorPager pages={pages} totalCount={data?.totalCount} hasNextPage={data?.pageInfo.hasNextPage} endCursor={data?.pageInfo.endCursor} loading={q.isFetching} />
      </QueryState>
    </Space>
  );
}
