// «Платежи»: money received on the principal's accounts, its export, and the principal's own receipts.
import { Alert, Button, Card, DatePicker, Form, Input, Select, Space, Table, Tabs, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { graphql } from "../../gql";
import type { ReceiptSource } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatMoney } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { useCan } from "../../shared/auth";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { FileUpload } from "../components/FileUpload";
import { ReportButton } from "../components/ReportJob";
import { RECEIPT_SOURCE } from "../labels";
import { labelOf, optionsOf } from "../../shared/labels";

const ReceiptsQuery = graphql(`
  query PortalReceipts($dateFrom: Date, $dateTo: Date, $source: ReceiptSource, $accountNumber: String, $first: Int, $after: String) {
    principalReceipts(dateFrom: $dateFrom, dateTo: $dateTo, source: $source, accountNumber: $accountNumber, first: $first, after: $after) {
      totalCount totalAmount
      pageInfo { hasNextPage endCursor }
      nodes { id accountNumber serviceCode amount paidOn source documentNumber comment createdAt }
    }
  }
`);

const OwnReceiptMutation = graphql(`
  mutation PortalOwnReceiptRecord($accountNumber: String!, $amount: Decimal!, $documentNumber: String!, $paidOn: Date!, $serviceCode: String, $comment: String) {
    ownReceiptRecord(accountNumber: $accountNumber, amount: $amount, documentNumber: $documentNumber, paidOn: $paidOn, serviceCode: $serviceCode, comment: $comment) {
      errors { field message code }
      created
      receipt { id amount accountNumber }
    }
  }
`);

const ServicesQuery = graphql(`
  query PortalServices {
    services(activeOnly: true) { id code name }
  }
`);

export default function PaymentsPage() {
  const { t } = useTranslation("portal");
  const manage = useCan("PAYMENTS_MANAGE");
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("payments.title")}
      </Typography.Title>
      <Tabs
        items={[
          { key: "history", label: t("payments.tabs.history"), children: <History /> },
          ...(manage
            ? [
                { key: "own", label: t("payments.tabs.own"), children: <Card><OwnReceiptForm /></Card> },
                { key: "own-file", label: t("payments.tabs.ownFile"), children: <Card><OwnReceiptsUpload /></Card> },
              ]
            : []),
        ]}
      />
    </Space>
  );
}

function History() {
  const { t } = useTranslation("portal");
  const [params] = useSearchParams();
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const [source, setSource] = useState<ReceiptSource | undefined>();
  const [account, setAccount] = useState(params.get("account") ?? "");
  const [exportMonth, setExportMonth] = useState<Dayjs>(dayjs().startOf("month"));
  const pages = useCursorPages(20);
  const q = useGql(ReceiptsQuery, {
    dateFrom: range?.[0]?.format("YYYY-MM-DD") ?? null,
    dateTo: range?.[1]?.format("YYYY-MM-DD") ?? null,
    source: source ?? null,
    accountNumber: account || null,
    first: pages.first,
    after: pages.after,
  }, { placeholderData: (prev) => prev });
  const data = q.data?.principalReceipts;
  const services = useGql(ServicesQuery);
  const serviceName = new Map((services.data?.services ?? []).map((s) => [s.code, s.name]));
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Card>
        <Form layout="inline">
          <Form.Item label={t("payments.paidOn")}>
            <DatePicker.RangePicker format="DD.MM.YYYY" value={range} onChange={(v) => { setRange(v); pages.reset(); }} />
          </Form.Item>
          <Form.Item label={t("payments.source")}>
            <Select allowClear placeholder={t("payments.all")} style={{ width: 200 }} value={source}
              onChange={(v) => { setSource(v); pages.reset(); }}
              options={optionsOf(t, RECEIPT_SOURCE)} />
          </Form.Item>
          <Form.Item label={t("payments.account")}>
            <Input.Search allowClear defaultValue={account} style={{ width: 200 }} onSearch={(v) => { setAccount(v.trim()); pages.reset(); }} />
          </Form.Item>
        </Form>
        <Space wrap align="start" style={{ marginTop: 12 }}>
          <Form layout="inline">
            <Form.Item label={t("payments.exportMonth")}>
              <DatePicker picker="month" format="MMMM YYYY" allowClear={false} value={exportMonth} onChange={(d) => d && setExportMonth(d)} />
            </Form.Item>
          </Form>
          <ReportButton kind="PAYMENTS" month={exportMonth.startOf("month").format("YYYY-MM-DD")} label={t("payments.exportButton")} />
        </Space>
      </Card>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Typography.Paragraph>
          {t("payments.found", { total: data?.totalCount ?? 0 })} <strong>{formatMoney(data?.totalAmount)}</strong>
        </Typography.Paragraph>
        <Table
          rowKey="id"
          loading={q.isFetching}
          dataSource={data?.nodes ?? []}
          pagination={false}
          scroll={{ x: 900 }}
          locale={{ emptyText: t("payments.empty") }}
          columns={[
            { title: t("payments.paidOn"), dataIndex: "paidOn", render: formatDate },
            { title: t("payments.account"), dataIndex: "accountNumber" },
            { title: t("payments.service"), dataIndex: "serviceCode", render: (v: string | null) => (v ? serviceName.get(v) ?? v : t("payments.advance")) },
            { title: t("payments.amount"), dataIndex: "amount", align: "right", render: formatMoney },
            { title: t("payments.source"), dataIndex: "source", render: (v: string) => <Tag color={v === "OWN" ? "purple" : "blue"}>{labelOf(t, RECEIPT_SOURCE, v)}</Tag> },
            { title: t("payments.document"), dataIndex: "documentNumber", render: (v: string | null) => v ?? "—" },
            { title: t("payments.comment"), dataIndex: "comment" },
          ]}
        />
        <CursorPager pages={pages} totalCount={data?.totalCount} hasNextPage={data?.pageInfo.hasNextPage} endCursor={data?.pageInfo.endCursor} loading={q.isFetching} />
      </QueryState>
    </Space>
  );
}

interface OwnValues {
  accountNumber: string;
  amount: string;
  documentNumber: string;
  paidOn: Dayjs;
  serviceCode?: string;
  comment?: string;
}

function OwnReceiptForm() {
  const { t } = useTranslation("portal");
  const [form] = Form.useForm<OwnValues>();
  const services = useGql(ServicesQuery);
  const record = useGqlMutation(OwnReceiptMutation, ["PortalReceipts", "PortalAccountReceipts"]);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (v: OwnValues) => {
    setError(null);
    setDone(null);
    try {
      const result = payload(
        await record.mutateAsync({
          accountNumber: v.accountNumber.trim(),
          amount: v.amount.replace(",", ".").replace(/\s/g, ""),
          documentNumber: v.documentNumber.trim(),
          paidOn: v.paidOn.format("YYYY-MM-DD"),
          serviceCode: v.serviceCode || null,
          comment: v.comment || null,
        }),
      );
      setDone(result.created ? t("payments.own.recorded", { sum: formatMoney(result.receipt?.amount) }) : t("payments.own.duplicate"));
      form.resetFields();
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={submit} initialValues={{ paidOn: dayjs() }} style={{ maxWidth: 520 }}>
      <Form.Item label={t("payments.account")} name="accountNumber" rules={[{ required: true, message: t("payments.own.accountRequired") }]}>
        <Input />
      </Form.Item>
      <Form.Item label={t("payments.own.amount")} name="amount" rules={[{ required: true, message: t("payments.own.amountRequired") }, { pattern: /^\s*\d[\d\s]*([.,]\d{1,2})?\s*$/, message: t("payments.own.amountPattern") }]}>
        <Input inputMode="decimal" placeholder="1500,00" />
      </Form.Item>
      <Form.Item label={t("payments.own.documentNumber")} name="documentNumber" rules={[{ required: true, message: t("payments.own.documentRequired") }]}>
        <Input />
      </Form.Item>
      <Form.Item label={t("payments.paidOn")} name="paidOn" rules={[{ required: true, message: t("payments.own.dateRequired") }]}>
        <DatePicker format="DD.MM.YYYY" />
      </Form.Item>
      <Form.Item label={t("payments.service")} name="serviceCode" extra={t("payments.own.serviceHint")}>
        <Select allowClear loading={services.isLoading} options={(services.data?.services ?? []).map((s) => ({ value: s.code, label: s.name }))} />
      </Form.Item>
      <Form.Item label={t("payments.comment")} name="comment">
        <Input.TextArea rows={2} />
      </Form.Item>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      {done && <Alert type="success" showIcon role="status" title={done} style={{ marginBottom: 16 }} />}
      <Button type="primary" htmlType="submit" loading={record.isPending}>
        {t("payments.own.submit")}
      </Button>
    </Form>
  );
}

function OwnReceiptsUpload() {
  const { t } = useTranslation("portal");
  return (
    <FileUpload
      kind="own-receipts"
      extra={[
        {
          name: "encoding",
          label: t("payments.upload.encoding"),
          initial: "auto",
          options: [
            { value: "auto", label: t("payments.upload.auto") },
            { value: "utf-8", label: "UTF-8" },
            { value: "cp1251", label: "Windows-1251" },
          ],
        },
      ]}
      invalidate={["PortalReceipts"]}
      help={<Trans t={t} i18nKey="payments.upload.help" components={{ b: <b /> }} />}
    />
  );
}
