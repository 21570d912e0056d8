// Asking for a report and following its job: a progress bar while it is queued or being built,
// then the download link (or the e-mail notice).
import { DownloadOutlined, FileExcelOutlined } from "@ant-design/icons";
import { Alert, Button, Progress, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { ReportDelivery, ReportKind } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { REPORT_STATUS } from "../labels";
import { labelOf } from "../../shared/labels";

export const ReportRequestMutation = graphql(`
  mutation PortalReportRequest(
    $kind: ReportKind!, $month: Date, $search: String, $houseId: ID, $hasDebt: Boolean, $delivery: ReportDelivery
  ) {
    reportRequest(kind: $kind, month: $month, search: $search, houseId: $houseId, hasDebt: $hasDebt, delivery: $delivery) {
      errors { field message code }
      job { id status }
    }
  }
`);

const ReportJobQuery = graphql(`
  query PortalReportJob($id: ID!) {
    reportJob(id: $id) {
      id kind status rows filename downloadUrl error delivery createdAt finishedAt
    }
  }
`);

export function isActive(status: string | undefined) {
  return status === "QUEUED" || status === "RUNNING";
}

export function statusPercent(status: string | undefined): number {
  if (status === "QUEUED") return 15;
  if (status === "RUNNING") return 60;
  return 100;
}

/** Polls one job until it is done or failed. */
export function ReportJobProgress({ id }: { id: string }) {
  const { t } = useTranslation("portal");
  const job = useGql(ReportJobQuery, { id }, {
    refetchInterval: (q) => (isActive(q.state.data?.reportJob?.status) || !q.state.data ? 1000 : false),
  });
  if (job.error) return <Alert type="error" showIcon title={t("reportJob.statusFailed")} description={job.error.message} />;
  const data = job.data?.reportJob;
  const status = data?.status ?? "QUEUED";
  return (
    <div aria-live="polite" style={{ maxWidth: 480 }}>
      <Typography.Text>{t("reportJob.status", { status: labelOf(t, REPORT_STATUS, status) })}</Typography.Text>
      <Progress
        percent={statusPercent(status)}
        status={status === "FAILED" ? "exception" : status === "DONE" ? "success" : "active"}
        aria-label={t("reportJob.progress")}
      />
      {status === "FAILED" && <Alert type="error" showIcon title={t("reportJob.failed")} description={data?.error} />}
      {status === "DONE" && data?.delivery === "EMAIL" && (
        <Alert type="success" showIcon title={t("reportJob.emailed")} />
      )}
      {status === "DONE" && data?.downloadUrl && (
        <Button type="primary" icon={<DownloadOutlined />} href={data.downloadUrl}>
          {t("reportJob.download", { file: data.filename ?? t("reportJob.file") })}
          {data.rows != null ? t("reportJob.rows", { rows: data.rows }) : ""}
        </Button>
      )}
    </div>
  );
}

interface Props {
  kind: ReportKind;
  month?: string | null;
  search?: string | null;
  /** ACCOUNTS: the house and debt filters of the accounts list, so the file matches the screen. */
  houseId?: string | null;
  hasDebt?: boolean | null;
  delivery?: ReportDelivery;
  label?: string;
}

/** A button that queues a report and then follows it. */
export function ReportButton({ kind, month, search, houseId, hasDebt, delivery = "DOWNLOAD", label }: Props) {
  const { t } = useTranslation("portal");
  const request = useGqlMutation(ReportRequestMutation, ["PortalReportJobs"]);
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = async () => {
    setError(null);
    setJobId(null);
    try {
      const result = payload(
        await request.mutateAsync({
          kind,
          month: month || null,
          search: search || null,
          houseId: houseId || null,
          hasDebt: hasDebt ?? null,
          delivery,
        }),
      );
      setJobId(result.job?.id ?? null);
    } catch (exc) {
      setError(exc instanceof Error ? exc.message : String(exc));
    }
  };
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Button icon={<FileExcelOutlined />} onClick={start} loading={request.isPending}>
        {label ?? t("reportJob.exportExcel")}
      </Button>
      {error && <Alert type="error" showIcon role="alert" title={error} />}
      {jobId && <ReportJobProgress id={jobId} />}
    </Space>
  );
}
