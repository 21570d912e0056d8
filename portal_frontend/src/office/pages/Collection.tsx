// «Взыскание»: the debt across principals (each principal's debtor register as last refreshed: debtors, debt, over
// the п.118 threshold, by stage), the collection rate per principal, the agent's campaigns, and the day the month's
// ЕПД with the п.119 «а» warnings were delivered (the 20 days of the warning run from it).
import { CheckOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Col, DatePicker, Form, Row, Select, Space, Statistic, Table, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { graphql } from "../../gql";
import { payload } from "../../shared/api";
import { StageTag } from "../../shared/collection";
import { formatDateTime, formatMoney, formatMonth, toKopecks, fromKopecks } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import { PageTitle } from "../common";
import { CampaignsCard } from "./Campaigns";

const OverviewQuery = graphql(`
  query OfficeCollectionOverview {
    collectionOverview {
      principalId name schema debtors debtTotal principalDebtTotal threshold refreshedAt
      byStage { stage label count debt }
    }
  }
`);

const RatesByPrincipalQuery = graphql(`
  query OfficeCollectionRatesByPrincipal($monthFrom: Date!, $monthTo: Date!) {
    collectionRatesByPrincipal(monthFrom: $monthFrom, monthTo: $monthTo) { principalId name charged paid rate }
  }
`);

const EpdDeliveredMutation = graphql(`
  mutation OfficeEpdWarningsDelivered($month: Date!, $deliveredOn: Date!, $principalIds: [ID!]) {
    epdWarningsDelivered(month: $month, deliveredOn: $deliveredOn, principalIds: $principalIds) {
      errors { field message code }
      delivered
      principals { principalId name delivered }
    }
  }
`);

/** "87.5" -> "87,5 %" (the API's rates are percentages already). */
export const pct = (v: string | null | undefined) => (v === null || v === undefined ? "—" : `${v.replace(".", ",")}\u00a0%`);

export default function CollectionPage() {
  const { t } = useTranslation("office");
  return (
    <>
      <PageTitle>{t("collection.title")}</PageTitle>
      <Space orientation="vertical" size="large" style={{ width: "100%" }}>
        <Overview />
        <CampaignsCard />
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={14}>
            <RatesByPrincipal />
          </Col>
          <Col xs={24} xl={10}>
            <EpdDelivered />
          </Col>
        </Row>
      </Space>
    </>
  );
}

function Overview() {
  const { t } = useTranslation("office");
  const q = useGql(OverviewQuery);
  const rows = q.data?.collectionOverview ?? [];
  const debtors = rows.reduce((n, r) => n + r.debtors, 0);
  const threshold = rows.reduce((n, r) => n + r.threshold, 0);
  const debt = fromKopecks(rows.reduce((n, r) => n + toKopecks(r.debtTotal), 0));
  return (
    <Card title={t("collection.overview")}>
      <QueryState loading={q.isLoading} error={q.error} retry={() => q.refetch()}>
        <Space wrap size="large" style={{ marginBottom: 16 }}>
          <Statistic groupSeparator={"\u00a0"} title={t("collection.totalDebtors")} value={debtors} />
          <Statistic groupSeparator={"\u00a0"} title={t("collection.totalDebt")} value={formatMoney(debt)} />
          <Statistic groupSeparator={"\u00a0"} title={t("collection.totalThreshold")} value={threshold} />
        </Space>
        <Table
          rowKey="principalId"
          size="small"
          pagination={false}
          scroll={{ x: true }}
          dataSource={rows}
          locale={{ emptyText: t("collection.noPrincipals") }}
          columns={[
            {
              title: t("collection.principal"),
              dataIndex: "name",
              render: (v: string, r) => <Link to={`/principals/${r.principalId}`}>{v}</Link>,
            },
            { title: t("collection.debtors"), dataIndex: "debtors", align: "right" },
            { title: t("collection.debtTotal"), dataIndex: "debtTotal", align: "right", render: formatMoney },
            { title: t("collection.principalDebt"), dataIndex: "principalDebtTotal", align: "right", render: formatMoney },
            { title: t("collection.threshold"), dataIndex: "threshold", align: "right" },
            {
              title: t("collection.byStage"),
              dataIndex: "byStage",
              render: (stages: { stage: string; label: string; count: number }[]) => (
                <Space size={4} wrap>
                  {stages.map((s) => (
                    <StageTag key={s.stage} stage={s.stage} label={t("collection.stageCount", { label: s.label, count: s.count })} />
                  ))}
                </Space>
              ),
            },
            {
              title: t("collection.refreshedAt"),
              dataIndex: "refreshedAt",
              render: (v: string | null) => (v ? formatDateTime(v) : t("collection.neverRefreshed")),
            },
          ]}
        />
      </QueryState>
    </Card>
  );
}

function RatesByPrincipal() {
  const { t } = useTranslation("office");
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(12, "month").startOf("month"), dayjs().startOf("month")]);
  const q = useGql(RatesByPrincipalQuery, {
    monthFrom: range[0].format("YYYY-MM-DD"),
    monthTo: range[1].format("YYYY-MM-DD"),
  });
  return (
    <Card
      title={t("collection.rates")}
      extra={
        <DatePicker.RangePicker
          picker="month"
          format="MMM YYYY"
          allowClear={false}
          value={range}
          aria-label={t("collection.ratesPeriod")}
          onChange={(v) => v?.[0] && v[1] && setRange([v[0].startOf("month"), v[1].startOf("month")])}
        />
      }
    >
      <QueryState loading={q.isLoading} error={q.error} retry={() => q.refetch()}>
        <Table
          rowKey="principalId"
          size="small"
          pagination={false}
          scroll={{ x: true }}
          dataSource={q.data?.collectionRatesByPrincipal ?? []}
          locale={{ emptyText: t("collection.noRates") }}
          columns={[
            { title: t("collection.principal"), dataIndex: "name" },
            { title: t("collection.charged"), dataIndex: "charged", align: "right", render: formatMoney },
            { title: t("collection.paid"), dataIndex: "paid", align: "right", render: formatMoney },
            { title: t("collection.rate"), dataIndex: "rate", align: "right", render: pct },
          ]}
        />
      </QueryState>
    </Card>
  );
}

interface DeliveredValues {
  month: Dayjs;
  deliveredOn: Dayjs;
  principalIds?: string[];
}

function EpdDelivered() {
  const { t } = useTranslation("office");
  const [form] = Form.useForm<DeliveredValues>();
  const overview = useGql(OverviewQuery);
  const mark = useGqlMutation(EpdDeliveredMutation, ["OfficeCollectionOverview"]);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ total: number; principals: { name: string; delivered: number }[]; month: string } | null>(null);
  const submit = async (v: DeliveredValues) => {
    setError(null);
    setDone(null);
    try {
      const result = payload(
        await mark.mutateAsync({
          month: v.month.startOf("month").format("YYYY-MM-DD"),
          deliveredOn: v.deliveredOn.format("YYYY-MM-DD"),
          principalIds: v.principalIds?.length ? v.principalIds : null,
        }),
      );
      setDone({ total: result.delivered ?? 0, principals: result.principals ?? [], month: v.month.format("YYYY-MM-DD") });
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  return (
    <Card title={t("epdDelivered.title")}>
      <Typography.Paragraph type="secondary">{t("epdDelivered.hint")}</Typography.Paragraph>
      <Form
        form={form}
        name="epd-delivered"
        layout="vertical"
        initialValues={{ month: dayjs().startOf("month"), deliveredOn: dayjs(), principalIds: [] }}
        onFinish={submit}
      >
        <Space wrap size="middle" align="start">
          <Form.Item name="month" label={t("epdDelivered.month")} rules={[{ required: true, message: t("epdDelivered.monthRequired") }]}>
            <DatePicker picker="month" format="MMMM YYYY" allowClear={false} />
          </Form.Item>
          <Form.Item name="deliveredOn" label={t("epdDelivered.deliveredOn")} rules={[{ required: true, message: t("epdDelivered.dateRequired") }]}>
            <DatePicker format="DD.MM.YYYY" allowClear={false} />
          </Form.Item>
        </Space>
        <Form.Item name="principalIds" label={t("epdDelivered.principals")}>
          <Select
            mode="multiple"
            allowClear
            placeholder={t("epdDelivered.allPrincipals")}
            optionFilterProp="label"
            options={(overview.data?.collectionOverview ?? []).map((p) => ({ value: p.principalId, label: p.name }))}
          />
        </Form.Item>
        <Button type="primary" htmlType="submit" icon={<CheckOutlined />} loading={mark.isPending}>
          {t("epdDelivered.submit")}
        </Button>
      </Form>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginTop: 12 }} />}
      {done && (
        <Alert
          type="success"
          showIcon
          role="status"
          style={{ marginTop: 12 }}
          title={t("epdDelivered.done", { count: done.total, month: formatMonth(done.month) })}
          description={done.principals.filter((p) => p.delivered).map((p) => `${p.name}: ${p.delivered}`).join("; ") || undefined}
        />
      )}
    </Card>
  );
}
