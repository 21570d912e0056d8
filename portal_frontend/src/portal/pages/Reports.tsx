// «Отчёты»: ask for a report (download or e-mail) and follow the jobs.
import { DownloadOutlined, MailOutlined } from "@ant-design/icons";
import { Alert, Button, Card, DatePicker, Form, Progress, Select, Space, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { ReportDelivery, ReportKind } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { QueryState } from "../../shared/QueryState";
import { formatDateTime, formatMonth } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { isActive, ReportRequestMutation, statusPercent } from "../components/ReportJob";
import { REPORT_KIND, REPORT_STATUS } from "../labels";
import { labelOf, optionsOf } from "../../shared/labels";

const JobsQuery = graphql(`
  query PortalReportJobs {
    reportJobs(first: 50) {
      id kind month search delivery status rows filename downloadUrl error createdAt finishedAt
    }
  }
`);

const NEEDS_MONTH = new Set(["TURNOVER", "PAYMENTS"]);

interface Values {
  kind: ReportKind;
  month?: Dayjs;
}

export default function ReportsPage() {
  const { t } = useTranslation("portal");
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch("kind", form);
  const request = useGqlMutation(ReportRequestMutation, ["PortalReportJobs"]);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const jobs = useGql(JobsQuery, undefined, {
    refetchInterval: (q) => (q.state.data?.reportJobs.some((j) => isActive(j.status)) ? 1500 : false),
  });

  const ask = async (delivery: ReportDelivery) => {
    setError(null);
    setSent(null);
    let v: Values;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
    try {
      payload(
        await request.mutateAsync({
          kind: v.kind,
          month: v.month ? v.month.startOf("month").format("YYYY-MM-DD") : null,
          delivery,
        }),
      );
      setSent(delivery === "EMAIL" ? t("reports.sentEmail") : t("reports.sentDownload"));
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("reports.title")}
      </Typography.Title>
      <Card>
        <Form form={form} layout="inline" initialValues={{ kind: "TURNOVER", month: dayjs().subtract(1, "month").startOf("month") }}>
          <Form.Item label={t("reports.kind")} name="kind" rules={[{ required: true, message: t("reports.kindRequired") }]}>
            <Select style={{ width: 300 }} options={optionsOf(t, REPORT_KIND)} />
          </Form.Item>
          <Form.Item
            label={t("reports.month")}
            name="month"
            rules={[{ required: NEEDS_MONTH.has(kind), message: t("reports.monthRequired") }]}
          >
            <DatePicker picker="month" format="MMMM YYYY" />
          </Form.Item>
          <Space wrap>
            <Button type="primary" icon={<DownloadOutlined />} onClick={() => ask("DOWNLOAD")} loading={request.isPending}>
              {t("reports.download")}
            </Button>
            <Button icon={<MailOutlined />} onClick={() => ask("EMAIL")} loading={request.isPending}>
              {t("reports.email")}
            </Button>
          </Space>
        </Form>
        {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginTop: 12 }} />}
        {sent && <Alert type="success" showIcon role="status" title={sent} style={{ marginTop: 12 }} />}
      </Card>
      <Card title={t("reports.mine")}>
        <QueryState loading={jobs.isLoading} error={jobs.error} retry={jobs.refetch}>
          <Table
            rowKey="id"
            dataSource={jobs.data?.reportJobs ?? []}
            pagination={false}
            scroll={{ x: 900 }}
            locale={{ emptyText: t("reports.empty") }}
            columns={[
              { title: t("reports.ordered"), dataIndex: "createdAt", render: formatDateTime },
              { title: t("reports.kind"), dataIndex: "kind", render: (k: string) => labelOf(t, REPORT_KIND, k) },
              { title: t("reports.month"), dataIndex: "month", render: (m: string | null) => (m ? formatMonth(m) : "—") },
              { title: t("reports.search"), dataIndex: "search", render: (s: string | null) => s || "—" },
              { title: t("reports.delivery"), dataIndex: "delivery", render: (d: string) => (d === "EMAIL" ? t("reports.deliveryEmail") : t("reports.deliveryDownload")) },
              {
                title: t("reports.status"),
                dataIndex: "status",
                render: (s: string, j) =>
                  isActive(s) ? (
                    <Progress percent={statusPercent(s)} status="active" size="small" style={{ width: 140 }} aria-label={labelOf(t, REPORT_STATUS, s)} format={() => labelOf(t, REPORT_STATUS, s)} />
                  ) : (
                    <Tag color={REPORT_STATUS[s]?.color} title={j.error ?? undefined}>{labelOf(t, REPORT_STATUS, s)}</Tag>
                  ),
              },
              { title: t("reports.rows"), dataIndex: "rows", align: "right", render: (r: number | null) => r ?? "—" },
              {
                title: t("reports.file"),
                render: (_v, j) =>
                  j.downloadUrl ? (
                    <Button size="small" icon={<DownloadOutlined />} href={j.downloadUrl}>
                      {j.filename ?? t("reports.downloadFile")}
                    </Button>
                  ) : j.error ? (
                    <Typography.Text type="danger">{j.error}</Typography.Text>
                  ) : (
                    "—"
                  ),
              },
            ]}
          />
        </QueryState>
      </Card>
    </Space>
  );
}
