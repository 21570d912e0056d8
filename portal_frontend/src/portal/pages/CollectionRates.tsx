// «Собираемость»: the principal's collection rates over a period of posted months — charged against paid by month
// with the rate, by house, the register's debt by age, the debt month over month, and each campaign's effect
// (money the debtors it touched paid within 30/60/90 days) — as charts and tables, each table also in XLSX through
// the report jobs (reports.view).
import { Card, Col, DatePicker, Row, Space, Table, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { graphql } from "../../gql";
import { useCan } from "../../shared/auth";
import { formatMoney, formatMonth, formatMonthShort, fromKopecks, toKopecks } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import { ReportButton } from "../components/ReportJob";

const RatesQuery = graphql(`
  query PortalCollectionRates($monthFrom: Date!, $monthTo: Date!) {
    collectionRates(monthFrom: $monthFrom, monthTo: $monthTo) {
      byMonth { month charged paid rate }
      byHouse { houseId address charged paid rate }
      byAge { bucket amount share }
      dynamics { month debt change debtors }
      campaigns { campaignId campaignName accounts debt paid30 paid60 paid90 covered30 covered60 covered90 }
    }
  }
`);

const rub = (kopecks: number) => formatMoney(fromKopecks(kopecks));
/** "87.5" -> "87,5 %" (the API's rates and shares are percentages already). */
const pct = (v: string | number | null | undefined) =>
  v === null || v === undefined || v === "" ? "—" : `${String(v).replace(".", ",")}\u00a0%`;
const num = (v: string | null | undefined) => (v === null || v === undefined ? null : Number(v));

export default function CollectionRatesPage() {
  const { t } = useTranslation("portal");
  const canExport = useCan("REPORTS_VIEW");
  const [range, setRange] = useState<[Dayjs, Dayjs]>([
    dayjs().subtract(12, "month").startOf("month"),
    dayjs().startOf("month"),
  ]);
  const q = useGql(
    RatesQuery,
    { monthFrom: range[0].format("YYYY-MM-DD"), monthTo: range[1].format("YYYY-MM-DD") },
    { placeholderData: (prev) => prev },
  );
  const r = q.data?.collectionRates;
  const monthTo = range[1].format("YYYY-MM-DD");
  const thousands = (v: number) => t("dashboard.thousands", { value: Math.round(v / 100000) });
  const months = (r?.byMonth ?? []).map((m) => ({
    month: formatMonthShort(m.month),
    charged: toKopecks(m.charged),
    paid: toKopecks(m.paid),
    rate: num(m.rate),
  }));
  const dynamics = (r?.dynamics ?? []).map((m) => ({ month: formatMonthShort(m.month), debt: toKopecks(m.debt), debtors: m.debtors }));
  const ages = (r?.byAge ?? []).map((a) => ({ bucket: t("debtors.ageBucket", { bucket: a.bucket }), amount: toKopecks(a.amount) }));
  const houses = [...(r?.byHouse ?? [])].sort((a, b) => (num(a.rate) ?? 0) - (num(b.rate) ?? 0));
  const effects = (r?.campaigns ?? []).map((c) => ({
    name: c.campaignName,
    paid30: toKopecks(c.paid30),
    paid60: toKopecks(c.paid60),
    paid90: toKopecks(c.paid90),
  }));
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Space wrap style={{ justifyContent: "space-between", width: "100%" }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t("rates.title")}
        </Typography.Title>
        <Space wrap>
          <Typography.Text>{t("rates.period")}</Typography.Text>
          <DatePicker.RangePicker
            picker="month"
            format="MMM YYYY"
            allowClear={false}
            value={range}
            aria-label={t("rates.period")}
            onChange={(v) => v?.[0] && v[1] && setRange([v[0].startOf("month"), v[1].startOf("month")])}
          />
        </Space>
      </Space>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        {r && (
          <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
            <Card
              title={t("rates.byMonth")}
              extra={canExport && <ReportButton kind="COLLECTION_RATES" month={monthTo} label={t("rates.exportByMonth")} />}
            >
              {months.length === 0 ? (
                <Typography.Text type="secondary">{t("rates.noMonths")}</Typography.Text>
              ) : (
                <Row gutter={[16, 16]}>
                  <Col xs={24} xl={14}>
                    <figure aria-label={t("rates.byMonthChart")} style={{ margin: 0 }}>
                      <ResponsiveContainer width="100%" height={300}>
                        <ComposedChart data={months}>
                          <CartesianGrid strokeDasharray="3 3" />
                          <XAxis dataKey="month" />
                          <YAxis yAxisId="money" tickFormatter={thousands} width={70} />
                          <YAxis yAxisId="rate" orientation="right" unit="%" domain={[0, "auto"]} width={55} />
                          <Tooltip
                            formatter={(v, name) => (name === t("rates.rate") ? pct(Number(v)) : rub(Number(v)))}
                            cursor={{ fill: "rgba(0, 0, 0, 0.04)" }}
                          />
                          <Legend />
                          <Bar yAxisId="money" dataKey="charged" name={t("rates.charged")} fill="#1f6feb" maxBarSize={40} />
                          <Bar yAxisId="money" dataKey="paid" name={t("rates.paid")} fill="#237804" maxBarSize={40} />
                          <Line yAxisId="rate" isAnimationActive={false} type="monotone" dataKey="rate" name={t("rates.rate")} stroke="#ad4e00" strokeWidth={2} />
                        </ComposedChart>
                      </ResponsiveContainer>
                    </figure>
                  </Col>
                  <Col xs={24} xl={10}>
                    <Table
                      rowKey="month"
                      size="small"
                      pagination={false}
                      scroll={{ x: true, y: 280 }}
                      dataSource={[...r.byMonth].reverse()}
                      columns={[
                        { title: t("rates.month"), dataIndex: "month", render: formatMonth },
                        { title: t("rates.charged"), dataIndex: "charged", align: "right", render: formatMoney },
                        { title: t("rates.paid"), dataIndex: "paid", align: "right", render: formatMoney },
                        { title: t("rates.rate"), dataIndex: "rate", align: "right", render: pct },
                      ]}
                    />
                  </Col>
                </Row>
              )}
            </Card>
            <Row gutter={[16, 16]}>
              <Col xs={24} xl={12}>
                <Card title={t("rates.dynamics")} style={{ height: "100%" }}>
                  <figure aria-label={t("rates.dynamicsChart")} style={{ margin: 0 }}>
                    <ResponsiveContainer width="100%" height={260}>
                      <LineChart data={dynamics}>
                        <CartesianGrid strokeDasharray="3 3" />
                        <XAxis dataKey="month" />
                        <YAxis tickFormatter={thousands} width={70} />
                        <Tooltip formatter={(v) => rub(Number(v))} />
                        <Line isAnimationActive={false} type="monotone" dataKey="debt" name={t("rates.debt")} stroke="#cf1322" strokeWidth={2} />
                      </LineChart>
                    </ResponsiveContainer>
                  </figure>
                  <Table
                    rowKey="month"
                    size="small"
                    pagination={false}
                    scroll={{ x: true }}
                    dataSource={[...r.dynamics].reverse()}
                    locale={{ emptyText: t("rates.noMonths") }}
                    columns={[
                      { title: t("rates.month"), dataIndex: "month", render: formatMonth },
                      { title: t("rates.debt"), dataIndex: "debt", align: "right", render: formatMoney },
                      {
                        title: t("rates.change"),
                        dataIndex: "change",
                        align: "right",
                        render: (v: string | null) => (v === null ? "—" : `${Number(v) > 0 ? "+" : ""}${formatMoney(v)}`),
                      },
                      { title: t("rates.debtors"), dataIndex: "debtors", align: "right" },
                    ]}
                  />
                </Card>
              </Col>
              <Col xs={24} xl={12}>
                <Card
                  title={t("rates.byAge")}
                  style={{ height: "100%" }}
                  extra={canExport && <ReportButton kind="DEBT_BY_AGE" label={t("rates.exportByAge")} />}
                >
                  <figure aria-label={t("rates.byAgeChart")} style={{ margin: 0 }}>
                    <ResponsiveContainer width="100%" height={260}>
                      <BarChart data={ages}>
                        <CartesianGrid strokeDasharray="3 3" />
                        <XAxis dataKey="bucket" />
                        <YAxis tickFormatter={thousands} width={70} />
                        <Tooltip formatter={(v) => rub(Number(v))} cursor={{ fill: "rgba(0, 0, 0, 0.04)" }} />
                        <Bar dataKey="amount" name={t("rates.principalDebt")} fill="#cf1322" maxBarSize={56} />
                      </BarChart>
                    </ResponsiveContainer>
                  </figure>
                  <Table
                    rowKey="bucket"
                    size="small"
                    pagination={false}
                    dataSource={r.byAge}
                    locale={{ emptyText: t("rates.noDebt") }}
                    columns={[
                      { title: t("rates.age"), dataIndex: "bucket", render: (b: string) => t("debtors.ageBucket", { bucket: b }) },
                      { title: t("rates.principalDebt"), dataIndex: "amount", align: "right", render: formatMoney },
                      { title: t("rates.share"), dataIndex: "share", align: "right", render: pct },
                    ]}
                  />
                </Card>
              </Col>
            </Row>
            <Card
              title={t("rates.byHouse")}
              extra={canExport && <ReportButton kind="COLLECTION_BY_HOUSE" month={monthTo} label={t("rates.exportByHouse")} />}
            >
              <Table
                rowKey="houseId"
                size="small"
                pagination={{ pageSize: 10, hideOnSinglePage: true }}
                scroll={{ x: true }}
                dataSource={houses}
                locale={{ emptyText: t("rates.noMonths") }}
                columns={[
                  { title: t("rates.house"), dataIndex: "address" },
                  { title: t("rates.charged"), dataIndex: "charged", align: "right", render: formatMoney },
                  { title: t("rates.paid"), dataIndex: "paid", align: "right", render: formatMoney },
                  { title: t("rates.rate"), dataIndex: "rate", align: "right", render: pct },
                ]}
              />
            </Card>
            <Card title={t("rates.campaigns")}>
              {effects.length === 0 ? (
                <Typography.Text type="secondary">{t("rates.noCampaigns")}</Typography.Text>
              ) : (
                <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
                  <figure aria-label={t("rates.campaignsChart")} style={{ margin: 0 }}>
                    <ResponsiveContainer width="100%" height={260}>
                      <BarChart data={effects}>
                        <CartesianGrid strokeDasharray="3 3" />
                        <XAxis dataKey="name" />
                        <YAxis tickFormatter={thousands} width={70} />
                        <Tooltip formatter={(v) => rub(Number(v))} cursor={{ fill: "rgba(0, 0, 0, 0.04)" }} />
                        <Legend />
                        <Bar dataKey="paid30" name={t("rates.paidWithin", { days: 30 })} fill="#95de64" maxBarSize={40} />
                        <Bar dataKey="paid60" name={t("rates.paidWithin", { days: 60 })} fill="#52c41a" maxBarSize={40} />
                        <Bar dataKey="paid90" name={t("rates.paidWithin", { days: 90 })} fill="#237804" maxBarSize={40} />
                      </BarChart>
                    </ResponsiveContainer>
                  </figure>
                  <Table
                    rowKey="campaignId"
                    size="small"
                    pagination={false}
                    scroll={{ x: true }}
                    dataSource={r.campaigns}
                    columns={[
                      { title: t("rates.campaign"), dataIndex: "campaignName" },
                      { title: t("rates.accounts"), dataIndex: "accounts", align: "right" },
                      { title: t("rates.touchedDebt"), dataIndex: "debt", align: "right", render: formatMoney },
                      ...([30, 60, 90] as const).map((days) => ({
                        title: t("rates.paidWithin", { days }),
                        key: `paid${days}`,
                        align: "right" as const,
                        render: (_v: unknown, c: (typeof r.campaigns)[number]) =>
                          `${formatMoney(c[`paid${days}`])} (${pct(c[`covered${days}`])})`,
                      })),
                    ]}
                  />
                  <Typography.Text type="secondary">{t("rates.campaignsHint")}</Typography.Text>
                </Space>
              )}
            </Card>
          </Space>
        )}
      </QueryState>
    </Space>
  );
}
