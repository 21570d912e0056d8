// «Расчётные периоды»: the month's charge run in every principal, then the ЕПД run, with live progress.
import { Alert, App, Button, Card, DatePicker, Form, Progress, Space, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import { payload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatMonth } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { useCan } from "../../shared/auth";
import { ErrorBanner, PageTitle, errorText, type OfficeKey } from "../common";
import { EpdRunPanel } from "./EpdRun";
import { CalendarWarning } from "../CalendarWarning";

const ProgressQuery = graphql(`
  query OfficeChargeRunProgress($month: Date!) {
    chargeRunProgress(month: $month) { schemaName status chargeLines }
    principals(first: 100) { nodes { id shortName schemaName } }
  }
`);

const ChargeRunAllMutation = graphql(`
  mutation OfficeChargeRunAll($month: Date!) {
    chargeRunAll(month: $month) { errors { field message code } month queued }
  }
`);

const RuleTablesQuery = graphql(`
  query OfficeRuleTables {
    ruleTables { name lastChange daysPast staleDays stale }
  }
`);

/** A task for the agent's staff: the dated rule tables (key rate, penalty caps) that ran out. */
function RuleTablesNotice() {
  const { t } = useTranslation("office");
  const tables = useGql(RuleTablesQuery);
  const stale = (tables.data?.ruleTables ?? []).filter((r) => r.stale);
  if (!stale.length) return null;
  return (
    <Space orientation="vertical" style={{ width: "100%", marginBottom: 16 }}>
      {stale.map((r) => (
        <Alert
          key={r.name}
          type="warning"
          showIcon
          title={t("periods.ruleTableStale", {
            name: r.name, date: formatDate(r.lastChange), days: r.daysPast, limit: r.staleDays,
          })}
        />
      ))}
    </Space>
  );
}

const PERIOD_STATUS: Record<string, { label: OfficeKey; color: string; percent: number }> = {
  OPEN: { label: "periodStatus.OPEN", color: "default", percent: 0 },
  RUNNING: { label: "periodStatus.RUNNING", color: "processing", percent: 50 },
  CALCULATED: { label: "periodStatus.CALCULATED", color: "blue", percent: 100 },
  POSTED: { label: "periodStatus.POSTED", color: "green", percent: 100 },
  FAILED: { label: "periodStatus.FAILED", color: "red", percent: 100 },
};

export default function PeriodsPage() {
  const { t } = useTranslation("office");
  const [month, setMonth] = useState<Dayjs>(() => dayjs().subtract(1, "month").startOf("month"));
  const monthValue = month.startOf("month").format("YYYY-MM-DD");
  const canRun = useCan("CHARGES_RUN");
  const [error, setError] = useState<string | null>(null);
  const { message } = App.useApp();
  const run = useGqlMutation(ChargeRunAllMutation, ["OfficeChargeRunProgress"]);
  const progress = useGql(
    ProgressQuery,
    { month: monthValue },
    {
      refetchInterval: (q) =>
        q.state.data?.chargeRunProgress.some((p) => p.status === "RUNNING") ? 1500 : false,
    },
  );
  const names = useMemo(
    () => new Map((progress.data?.principals.nodes ?? []).map((p) => [p.schemaName, p.shortName])),
    [progress.data],
  );
  const rows = progress.data?.chargeRunProgress ?? [];
  const done = rows.filter((r) => r.status === "CALCULATED" || r.status === "POSTED").length;

  const start = async () => {
    setError(null);
    try {
      const result = payload(await run.mutateAsync({ month: monthValue }));
      message.success(t("periods.queued", { queued: result.queued?.length ?? 0 }));
    } catch (exc) {
      setError(errorText(exc));
    }
  };

  return (
    <>
      <PageTitle>{t("periods.title")}</PageTitle>
      <CalendarWarning />
      <RuleTablesNotice />
      <Form layout="inline" style={{ marginBottom: 16 }}>
        <Form.Item label={t("periods.month")} htmlFor="office-period-month">
          <DatePicker
            id="office-period-month"
            picker="month"
            format="MMMM YYYY"
            allowClear={false}
            value={month}
            onChange={(value) => value && setMonth(value)}
          />
        </Form.Item>
      </Form>
      <Card
        title={t("periods.chargesFor", { month: formatMonth(monthValue) })}
        style={{ marginBottom: 16 }}
        extra={
          canRun && (
            <Button type="primary" onClick={start} loading={run.isPending}>
              {t("periods.runAll")}
            </Button>
          )
        }
      >
        <ErrorBanner message={error} onClose={() => setError(null)} />
        <QueryState loading={progress.isLoading} error={progress.error} retry={() => progress.refetch()}>
          <Space orientation="vertical" style={{ width: "100%" }}>
            <Typography.Text>
              {t("periods.calculated", { done, total: rows.length })}
            </Typography.Text>
            <Progress
              percent={rows.length ? Math.round((done / rows.length) * 100) : 0}
              aria-label={t("periods.calculatedLabel")}
            />
            <Table
              rowKey="schemaName"
              pagination={false}
              size="small"
              dataSource={rows}
              scroll={{ x: true }}
              columns={[
                { title: t("periods.columns.principal"), dataIndex: "schemaName", render: (s: string) => names.get(s) ?? s },
                {
                  title: t("common.status"),
                  dataIndex: "status",
                  render: (s: string) => <Tag color={PERIOD_STATUS[s]?.color}>{PERIOD_STATUS[s] ? t(PERIOD_STATUS[s].label) : s}</Tag>,
                },
                {
                  title: t("periods.columns.progress"),
                  key: "progress",
                  width: 260,
                  render: (_, r) => (
                    <Progress
                      size="small"
                      percent={PERIOD_STATUS[r.status]?.percent ?? 0}
                      status={r.status === "FAILED" ? "exception" : r.status === "RUNNING" ? "active" : undefined}
                      aria-label={t("periods.runLabel", { name: names.get(r.schemaName) ?? r.schemaName })}
                    />
                  ),
                },
                { title: t("periods.columns.chargeLines"), dataIndex: "chargeLines", align: "right" },
              ]}
            />
          </Space>
        </QueryState>
      </Card>
      <EpdRunPanel month={monthValue} />
    </>
  );
}
