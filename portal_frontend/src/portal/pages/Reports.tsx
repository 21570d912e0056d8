// «Отчёты»: ask for a report (download or e-mail) and follow the jobs.
import { DownloadOutlined, MailOutlined } from "@ant-design/icons";
import { Alert, Button, Card, DatePicker, Form, Progress, Select, Space, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { graphql } from "../../gql";
import type { ReportDelivery, ReportKind } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { QueryState } from "../../shared/QueryState";
import { formatDateTime, formatMonth } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { isActive, ReportRequestMutation, statusPercent } from "../components/ReportJob";
import { REPORT_KIND, REPORT_STATUS } from "../labels";

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
      setSent(delivery === "EMAIL" ? "Отчёт поставлен в очередь и будет отправлен на вашу почту." : "Отчёт поставлен в очередь: ссылка появится в списке ниже.");
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Отчёты
      </Typography.Title>
      <Card>
        <Form form={form} layout="inline" initialValues={{ kind: "TURNOVER", month: dayjs().subtract(1, "month").startOf("month") }}>
          <Form.Item label="Отчёт" name="kind" rules={[{ required: true, message: "Выберите отчёт" }]}>
            <Select style={{ width: 300 }} options={Object.entries(REPORT_KIND).map(([value, label]) => ({ value, label }))} />
          </Form.Item>
          <Form.Item
            label="Месяц"
            name="month"
            rules={[{ required: NEEDS_MONTH.has(kind), message: "Для этого отчёта нужен месяц" }]}
          >
            <DatePicker picker="month" format="MMMM YYYY" />
          </Form.Item>
          <Space wrap>
            <Button type="primary" icon={<DownloadOutlined />} onClick={() => ask("DOWNLOAD")} loading={request.isPending}>
              Скачать XLSX
            </Button>
            <Button icon={<MailOutlined />} onClick={() => ask("EMAIL")} loading={request.isPending}>
              Отправить на почту
            </Button>
          </Space>
        </Form>
        {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginTop: 12 }} />}
        {sent && <Alert type="success" showIcon role="status" title={sent} style={{ marginTop: 12 }} />}
      </Card>
      <Card title="Мои отчёты">
        <QueryState loading={jobs.isLoading} error={jobs.error} retry={jobs.refetch}>
          <Table
            rowKey="id"
            dataSource={jobs.data?.reportJobs ?? []}
            pagination={false}
            scroll={{ x: 900 }}
            locale={{ emptyText: "Отчётов ещё не было" }}
            columns={[
              { title: "Заказан", dataIndex: "createdAt", render: formatDateTime },
              { title: "Отчёт", dataIndex: "kind", render: (k: string) => REPORT_KIND[k] ?? k },
              { title: "Месяц", dataIndex: "month", render: (m: string | null) => (m ? formatMonth(m) : "—") },
              { title: "Поиск", dataIndex: "search", render: (s: string | null) => s || "—" },
              { title: "Доставка", dataIndex: "delivery", render: (d: string) => (d === "EMAIL" ? "на почту" : "скачивание") },
              {
                title: "Статус",
                dataIndex: "status",
                render: (s: string, j) =>
                  isActive(s) ? (
                    <Progress percent={statusPercent(s)} status="active" size="small" style={{ width: 140 }} aria-label={REPORT_STATUS[s]?.label} format={() => REPORT_STATUS[s]?.label} />
                  ) : (
                    <Tag color={REPORT_STATUS[s]?.color} title={j.error ?? undefined}>{REPORT_STATUS[s]?.label ?? s}</Tag>
                  ),
              },
              { title: "Строк", dataIndex: "rows", align: "right", render: (r: number | null) => r ?? "—" },
              {
                title: "Файл",
                render: (_v, j) =>
                  j.downloadUrl ? (
                    <Button size="small" icon={<DownloadOutlined />} href={j.downloadUrl}>
                      {j.filename ?? "Скачать"}
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
