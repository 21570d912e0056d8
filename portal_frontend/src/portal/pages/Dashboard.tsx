// «Сводка»: accounts, debt and collection by month, with charts.
import { Card, Col, Row, Segmented, Space, Statistic, Table, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { graphql } from "../../gql";
import { QueryState } from "../../shared/QueryState";
import { formatMoney, formatMonth, formatMonthShort, formatPercent, fromKopecks, toKopecks } from "../../shared/format";
import { useGql } from "../../shared/hooks";

const DashboardQuery = graphql(`
  query PortalDashboard($months: Int) {
    principalDashboard(months: $months) {
      accountsCount
      debtorsCount
      debtTotal
      advanceTotal
      current { month billed collected collectionRate }
      months { month charged collected collectionRate debtEnd }
    }
  }
`);

const rub = (kopecks: number) => formatMoney(fromKopecks(kopecks));

export default function DashboardPage() {
  const { t } = useTranslation("portal");
  const [months, setMonths] = useState(12);
  const q = useGql(DashboardQuery, { months });
  const d = q.data?.principalDashboard;
  const rows = (d?.months ?? []).map((m) => ({
    month: formatMonthShort(m.month),
    charged: toKopecks(m.charged),
    collected: toKopecks(m.collected),
    rate: m.collectionRate == null ? null : Math.round(Number(m.collectionRate) * 1000) / 10,
  }));
  return (
    <Space orientation="vertical" size="large" style={{ width: "100%" }}>
      <Space wrap style={{ justifyContent: "space-between", width: "100%" }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t("dashboard.title")}
        </Typography.Title>
        <Segmented
          aria-label={t("dashboard.period")}
          value={months}
          onChange={(v) => setMonths(Number(v))}
          options={[
            { value: 6, label: t("dashboard.months", { count: 6 }) },
            { value: 12, label: t("dashboard.months", { count: 12 }) },
            { value: 24, label: t("dashboard.months", { count: 24 }) },
          ]}
        />
      </Space>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        {d && (
          <Space orientation="vertical" size="large" style={{ width: "100%" }}>
            <Row gutter={[16, 16]}>
              <Col xs={12} lg={6}>
                <Card>
                  <Statistic title={t("dashboard.accounts")} value={d.accountsCount} />
                </Card>
              </Col>
              <Col xs={12} lg={6}>
                <Card>
                  <Statistic title={t("dashboard.debtors")} value={d.debtorsCount} />
                </Card>
              </Col>
              <Col xs={12} lg={6}>
                <Card>
                  <Statistic title={t("dashboard.debtTotal")} value={formatMoney(d.debtTotal)} />
                </Card>
              </Col>
              <Col xs={12} lg={6}>
                <Card>
                  <Statistic title={t("dashboard.advances")} value={formatMoney(d.advanceTotal)} />
                </Card>
              </Col>
            </Row>
            {d.current && (
              <Row gutter={[16, 16]}>
                <Col xs={24} lg={12}>
                  <Card>
                    <Statistic
                      title={t("dashboard.currentCollected", { month: formatMonth(d.current.month) })}
                      value={formatMoney(d.current.collected)}
                    />
                    <Typography.Text type="secondary">{t("dashboard.currentCollectedHint")}</Typography.Text>
                  </Card>
                </Col>
                <Col xs={24} lg={12}>
                  <Card>
                    <Statistic
                      title={t("dashboard.currentRate", { month: formatMonth(d.current.month) })}
                      value={formatPercent(d.current.collectionRate)}
                    />
                    <Typography.Text type="secondary">
                      {t("dashboard.currentRateHint", {
                        billedMonth: formatMonth(d.months[d.months.length - 1]?.month),
                        billed: formatMoney(d.current.billed),
                      })}
                    </Typography.Text>
                  </Card>
                </Col>
              </Row>
            )}
            {rows.length === 0 ? (
              <Typography.Text type="secondary">{t("dashboard.noPeriods")}</Typography.Text>
            ) : (
              <Row gutter={[16, 16]}>
                <Col xs={24} xl={14}>
                  <Card title={t("dashboard.chargedCollected")}>
                    <figure aria-label={t("dashboard.chargedCollectedChart")} style={{ margin: 0 }}>
                      <ResponsiveContainer width="100%" height={300}>
                        <BarChart data={rows}>
                          <CartesianGrid strokeDasharray="3 3" />
                          <XAxis dataKey="month" />
                          <YAxis tickFormatter={(v: number) => t("dashboard.thousands", { value: Math.round(v / 100000) })} width={70} />
                          <Tooltip formatter={(v) => rub(Number(v))} cursor={{ fill: "rgba(0, 0, 0, 0.04)" }} />
                          <Legend />
                          <Bar dataKey="charged" name={t("dashboard.charged")} fill="#1f6feb" maxBarSize={48} />
                          <Bar dataKey="collected" name={t("dashboard.collected")} fill="#237804" maxBarSize={48} />
                        </BarChart>
                      </ResponsiveContainer>
                    </figure>
                  </Card>
                </Col>
                <Col xs={24} xl={10}>
                  <Card title={t("dashboard.rateTitle")}>
                    <figure aria-label={t("dashboard.rateChart")} style={{ margin: 0 }}>
                      <ResponsiveContainer width="100%" height={300}>
                        <LineChart data={rows}>
                          <CartesianGrid strokeDasharray="3 3" />
                          <XAxis dataKey="month" />
                          <YAxis unit="%" domain={[0, "auto"]} width={55} />
                          <Tooltip formatter={(v) => `${String(v).replace(".", ",")} %`} />
                          <Line type="monotone" dataKey="rate" name={t("dashboard.rate")} stroke="#ad4e00" strokeWidth={2} />
                        </LineChart>
                      </ResponsiveContainer>
                    </figure>
                  </Card>
                </Col>
              </Row>
            )}
            <Card title={t("dashboard.byMonth")}>
              <Table
                rowKey="month"
                size="small"
                pagination={false}
                scroll={{ x: true }}
                dataSource={[...d.months].reverse()}
                columns={[
                  { title: t("dashboard.month"), dataIndex: "month", render: formatMonth },
                  { title: t("dashboard.charged"), dataIndex: "charged", align: "right", render: formatMoney },
                  { title: t("dashboard.collected"), dataIndex: "collected", align: "right", render: formatMoney },
                  { title: t("dashboard.rate"), dataIndex: "collectionRate", align: "right", render: formatPercent },
                  { title: t("dashboard.debtEnd"), dataIndex: "debtEnd", align: "right", render: formatMoney },
                ]}
              />
            </Card>
          </Space>
        )}
      </QueryState>
    </Space>
  );
}
