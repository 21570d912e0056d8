// «Перечисления»: the agent's transfers to the principal, with their registers.
import { FileExcelOutlined, FileTextOutlined } from "@ant-design/icons";
import { Button, Card, DatePicker, Form, Select, Space, Table, Tag, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { PayoutStatus } from "../../gql/graphql";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatMoney } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { PAYOUT_STATUS } from "../labels";
import { labelOf, optionsOf } from "../../shared/labels";

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
  const { t } = useTranslation("portal");
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
        {t("payouts.title")}
      </Typography.Title>
      <Card>
        <Form layout="inline">
          <Form.Item label={t("payouts.businessDay")}>
            <DatePicker.RangePicker format="DD.MM.YYYY" value={range} onChange={(v) => { setRange(v); pages.reset(); }} />
          </Form.Item>
          <Form.Item label={t("payouts.status")}>
            <Select
              allowClear
              placeholder={t("payouts.all")}
              style={{ width: 220 }}
              value={status}
              onChange={(v) => { setStatus(v); pages.reset(); }}
              options={optionsOf(t, PAYOUT_STATUS)}
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
          locale={{ emptyText: t("payouts.empty") }}
          columns={[
            { title: t("payouts.businessDay"), dataIndex: "businessDay", render: formatDate },
            {
              title: t("payouts.period"),
              render: (_v, p) => (p.coversFrom === p.coversTo ? formatDate(p.coversFrom) : `${formatDate(p.coversFrom)} — ${formatDate(p.coversTo)}`),
            },
            { title: t("payouts.gross"), dataIndex: "gross", align: "right", render: formatMoney },
            { title: t("payouts.fee"), dataIndex: "fee", align: "right", render: formatMoney },
            { title: t("payouts.net"), dataIndex: "net", align: "right", render: (v: string) => <strong>{formatMoney(v)}</strong> },
            {
              title: t("payouts.status"),
              dataIndex: "status",
              render: (s: string) => <Tag color={PAYOUT_STATUS[s]?.color}>{labelOf(t, PAYOUT_STATUS, s)}</Tag>,
            },
            {
              title: t("payouts.order"),
              render: (_v, p) => (p.orderNumber ? t("payouts.orderValue", { number: p.orderNumber, date: formatDate(p.orderDate) }) : "—"),
            },
            {
              title: t("payouts.register"),
              render: (_v, p) => (
                <Space>
                  {p.registerXlsxUrl && (
                    <Button size="small" icon={<FileExcelOutlined />} href={p.registerXlsxUrl} aria-label={t("payouts.registerXlsx", { date: formatDate(p.businessDay) })}>
                      XLSX
                    </Button>
                  )}
                  {p.registerCsvUrl && (
                    <Button size="small" icon={<FileTextOutlined />} href={p.registerCsvUrl} aria-label={t("payouts.registerCsv", { date: formatDate(p.businessDay) })}>
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
