// «Расчётные периоды»: the month's charge run in every principal, then the ЕПД run, with live progress.
import { App, Button, Card, DatePicker, Form, Progress, Space, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useMemo, useState } from "react";
import { graphql } from "../../gql";
import { payload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { formatMonth } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { ErrorBanner, PageTitle, errorText, useCan } from "../common";
import { EpdRunPanel } from "./EpdRun";

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

const PERIOD_STATUS: Record<string, { label: string; color: string; percent: number }> = {
  OPEN: { label: "не рассчитан", color: "default", percent: 0 },
  RUNNING: { label: "идёт расчёт", color: "processing", percent: 50 },
  CALCULATED: { label: "рассчитан", color: "blue", percent: 100 },
  POSTED: { label: "закрыт", color: "green", percent: 100 },
  FAILED: { label: "ошибка", color: "red", percent: 100 },
};

export default function PeriodsPage() {
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
      message.success(`Расчёт поставлен в очередь: ${result.queued?.length ?? 0}`);
    } catch (exc) {
      setError(errorText(exc));
    }
  };

  return (
    <>
      <PageTitle>Расчётные периоды</PageTitle>
      <Form layout="inline" style={{ marginBottom: 16 }}>
        <Form.Item label="Месяц" htmlFor="office-period-month">
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
        title={`Начисления за ${formatMonth(monthValue)}`}
        style={{ marginBottom: 16 }}
        extra={
          canRun && (
            <Button type="primary" onClick={start} loading={run.isPending}>
              Рассчитать все
            </Button>
          )
        }
      >
        <ErrorBanner message={error} onClose={() => setError(null)} />
        <QueryState loading={progress.isLoading} error={progress.error} retry={() => progress.refetch()}>
          <Space orientation="vertical" style={{ width: "100%" }}>
            <Typography.Text>
              Рассчитано: {done} из {rows.length}
            </Typography.Text>
            <Progress
              percent={rows.length ? Math.round((done / rows.length) * 100) : 0}
              aria-label="Рассчитано принципалов"
            />
            <Table
              rowKey="schemaName"
              pagination={false}
              size="small"
              dataSource={rows}
              scroll={{ x: true }}
              columns={[
                { title: "Принципал", dataIndex: "schemaName", render: (s: string) => names.get(s) ?? s },
                {
                  title: "Статус",
                  dataIndex: "status",
                  render: (s: string) => <Tag color={PERIOD_STATUS[s]?.color}>{PERIOD_STATUS[s]?.label ?? s}</Tag>,
                },
                {
                  title: "Ход расчёта",
                  key: "progress",
                  width: 260,
                  render: (_, r) => (
                    <Progress
                      size="small"
                      percent={PERIOD_STATUS[r.status]?.percent ?? 0}
                      status={r.status === "FAILED" ? "exception" : r.status === "RUNNING" ? "active" : undefined}
                      aria-label={`Расчёт: ${names.get(r.schemaName) ?? r.schemaName}`}
                    />
                  ),
                },
                { title: "Строк начислений", dataIndex: "chargeLines", align: "right" },
              ]}
            />
          </Space>
        </QueryState>
      </Card>
      <EpdRunPanel month={monthValue} />
    </>
  );
}
