// The ЕПД run of a month: start it, watch its progress (polled while it runs), read its issues.
import { App, Button, Card, Checkbox, Descriptions, Progress, Select, Space, Table, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import { payload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { useCan } from "../../shared/auth";
import { ErrorBanner, errorText, type OfficeKey } from "../common";

const RunsQuery = graphql(`
  query OfficeEpdRuns($month: Date) {
    epdRuns(month: $month, first: 100) {
      totalCount
      nodes { id month status createdAt finishedAt }
    }
  }
`);

const RunQuery = graphql(`
  query OfficeEpdRun($id: ID!) {
    epdRun(id: $id) {
      id month status principalsTotal principalsDone documentsTotal documentsWritten documentsRendered
      issuesCount error createdAt startedAt finishedAt
    }
  }
`);

const IssuesQuery = graphql(`
  query OfficeEpdRunIssues($runId: ID!, $first: Int, $after: String) {
    epdRunIssues(runId: $runId, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id els accountNumber code message }
    }
  }
`);

const StartMutation = graphql(`
  mutation OfficeEpdRunStart($month: Date!, $includeUnposted: Boolean) {
    epdRunStart(month: $month, includeUnposted: $includeUnposted) {
      errors { field message code }
      run { id status }
    }
  }
`);

export const RUN_STATUS: Record<string, { label: OfficeKey; color: string }> = {
  pending: { label: "runStatus.pending", color: "default" },
  gathering: { label: "runStatus.gathering", color: "processing" },
  assembling: { label: "runStatus.assembling", color: "processing" },
  rendering: { label: "runStatus.rendering", color: "processing" },
  delivering: { label: "runStatus.delivering", color: "processing" },
  done: { label: "runStatus.done", color: "green" },
  failed: { label: "runStatus.failed", color: "red" },
};

const finished = (status?: string) => status === "done" || status === "failed";
const pct = (part: number, whole: number) => (whole > 0 ? Math.min(100, Math.round((part / whole) * 100)) : 0);

export function EpdRunPanel({ month }: { month: string }) {
  const { t } = useTranslation("office");
  const canRun = useCan("CHARGES_RUN");
  const { message } = App.useApp();
  const [includeUnposted, setIncludeUnposted] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const runs = useGql(RunsQuery, { month });
  const start = useGqlMutation(StartMutation, ["OfficeEpdRuns"]);
  const list = runs.data?.epdRuns.nodes ?? [];
  // the server lists runs newest first
  const latest = list.length ? list[0].id : null;
  const runId = selected && list.some((r) => r.id === selected) ? selected : latest;

  useEffect(() => setSelected(null), [month]);

  const begin = async () => {
    setError(null);
    try {
      const result = payload(await start.mutateAsync({ month, includeUnposted }));
      if (result.run) setSelected(result.run.id);
      message.success(t("epdRun.started"));
    } catch (exc) {
      setError(errorText(exc));
    }
  };

  return (
    <Card
      title={t("epdRun.title")}
      extra={
        canRun && (
          <Space wrap>
            <Checkbox checked={includeUnposted} onChange={(e) => setIncludeUnposted(e.target.checked)}>
              {t("epdRun.includeUnposted")}
            </Checkbox>
            <Button type="primary" onClick={begin} loading={start.isPending}>
              {t("epdRun.start")}
            </Button>
          </Space>
        )
      }
    >
      <ErrorBanner message={error} onClose={() => setError(null)} />
      <QueryState
        loading={runs.isLoading}
        error={runs.error}
        retry={() => runs.refetch()}
        empty={!list.length}
        emptyText={t("epdRun.empty")}
      >
        {list.length > 1 && (
          <Space style={{ marginBottom: 12 }}>
            <label htmlFor="office-epd-run">{t("epdRun.run")}</label>
            <Select
              id="office-epd-run"
              style={{ width: 320 }}
              value={runId}
              onChange={setSelected}
              options={list.map((r) => ({
                value: r.id,
                label: t("epdRun.runOption", {
                  id: r.id,
                  date: formatDateTime(r.createdAt),
                  status: RUN_STATUS[r.status] ? t(RUN_STATUS[r.status].label) : r.status,
                }),
              }))}
            />
          </Space>
        )}
        {runId && <RunProgress id={runId} onFinished={() => runs.refetch()} />}
      </QueryState>
    </Card>
  );
}

function RunProgress({ id, onFinished }: { id: string; onFinished: () => void }) {
  const { t } = useTranslation("office");
  const query = useGql(RunQuery, { id }, { refetchInterval: (q) => (finished(q.state.data?.epdRun?.status) ? false : 1500) });
  const run = query.data?.epdRun;
  const status = run?.status;
  useEffect(() => {
    if (finished(status)) onFinished();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [status]);

  return (
    <QueryState loading={query.isLoading} error={query.error} retry={() => query.refetch()} empty={!run}>
      {run && (
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Descriptions
            size="small"
            column={{ xs: 1, md: 3 }}
            items={[
              {
                key: "status",
                label: t("common.status"),
                children: <Tag color={RUN_STATUS[run.status]?.color}>{RUN_STATUS[run.status] ? t(RUN_STATUS[run.status].label) : run.status}</Tag>,
              },
              { key: "started", label: t("epdRun.startedAt"), children: formatDateTime(run.startedAt ?? run.createdAt) },
              { key: "finished", label: t("epdRun.finishedAt"), children: formatDateTime(run.finishedAt) },
            ]}
          />
          {run.error && <Typography.Text type="danger">{run.error}</Typography.Text>}
          <ProgressLine
            label={t("epdRun.principals")}
            done={run.principalsDone}
            total={run.principalsTotal}
            running={!finished(run.status)}
            failed={run.status === "failed"}
          />
          <ProgressLine
            label={t("epdRun.documentsWritten")}
            done={run.documentsWritten}
            total={run.documentsTotal}
            running={!finished(run.status)}
            failed={run.status === "failed"}
          />
          <ProgressLine
            label={t("epdRun.documentsRendered")}
            done={run.documentsRendered}
            total={run.documentsTotal}
            running={!finished(run.status)}
            failed={run.status === "failed"}
          />
          <Typography.Text>{t("epdRun.issuesCount", { issues: run.issuesCount })}</Typography.Text>
          {run.issuesCount > 0 && <Issues runId={run.id} />}
        </Space>
      )}
    </QueryState>
  );
}

function ProgressLine(props: { label: string; done: number; total: number; running: boolean; failed: boolean }) {
  const { t } = useTranslation("office");
  return (
    <div>
      <Typography.Text>
        {t("epdRun.progress", { label: props.label, done: props.done, total: props.total })}
      </Typography.Text>
      <Progress
        percent={pct(props.done, props.total)}
        status={props.failed ? "exception" : props.running ? "active" : undefined}
        aria-label={props.label}
      />
    </div>
  );
}

function Issues({ runId }: { runId: string }) {
  const { t } = useTranslation("office");
  const cursor = useCursorPages(20);
  const query = useGql(IssuesQuery, { runId, first: cursor.first, after: cursor.after });
  const data = query.data?.epdRunIssues;
  return (
    <QueryState loading={false} error={query.error} retry={() => query.refetch()}>
      <Table
        rowKey="id"
        size="small"
        loading={query.isLoading}
        pagination={false}
        dataSource={data?.nodes ?? []}
        scroll={{ x: true }}
        columns={[
          { title: t("epdRun.columns.els"), dataIndex: "els", render: (v: string | null) => v ?? "—" },
          { title: t("epdRun.columns.account"), dataIndex: "accountNumber" },
          { title: t("epdRun.columns.code"), dataIndex: "code" },
          { title: t("epdRun.columns.issue"), dataIndex: "message" },
        ]}
      />
      <CursorPager
        pages={cursor}
        totalCount={data?.totalCount}
        hasNextPage={data?.pageInfo.hasNextPage}
        endCursor={data?.pageInfo.endCursor}
        loading={query.isFetching}
      />
    </QueryState>
  );
}
