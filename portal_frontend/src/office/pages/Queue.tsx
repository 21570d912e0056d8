// «Невыясненные платежи»: the queue of unmatched and ambiguous payments; resolve, return, allocate.
import { App, Button, Card, DatePicker, Form, Input, Modal, Radio, Select, Space, Table, Tag, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { PaymentChannel, PaymentStatus } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { applyErrors } from "../../shared/forms";
import { formatDate, formatMoney } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { useCan } from "../../shared/auth";
import { labelOf } from "../../shared/labels";
import { CHANNEL, ErrorBanner, PAYMENT_STATUS, PageTitle, errorText, type OfficeKey } from "../common";

const QueueQuery = graphql(`
  query OfficePaymentQueue($status: PaymentStatus, $channel: PaymentChannel, $first: Int, $after: String) {
    paymentQueue(status: $status, channel: $channel, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id channel source externalId amount paidOn payerRef payerName purpose status matchNote }
    }
  }
`);

const ResolveMutation = graphql(`
  mutation OfficePaymentResolve($paymentId: ID!, $els: String, $accountNumber: String, $note: String) {
    paymentResolve(paymentId: $paymentId, els: $els, accountNumber: $accountNumber, note: $note) {
      errors { field message code }
      payment { id status els }
    }
  }
`);

const ReturnMutation = graphql(`
  mutation OfficePaymentReturn($paymentId: ID!, $note: String, $on: Date) {
    paymentReturn(paymentId: $paymentId, note: $note, on: $on) {
      errors { field message code }
      payment { id status }
    }
  }
`);

const AllocateMutation = graphql(`
  mutation OfficePaymentsAllocate($day: Date, $on: Date, $paymentIds: [ID!]) {
    paymentsAllocate(day: $day, on: $on, paymentIds: $paymentIds) {
      errors { field message code }
      paymentsCount amount allocationsCount receiptsCount principalsCount
      skipped { reason count }
    }
  }
`);

const SKIP_REASON: Record<string, OfficeKey> = {
  no_document: "skipReason.no_document",
  no_payees: "skipReason.no_payees",
  no_account: "skipReason.no_account",
};

interface QueuedPayment {
  id: string;
  amount: string;
  payerRef: string;
  payerName: string;
}

export default function QueuePage() {
  const { t } = useTranslation("office");
  const canManage = useCan("PAYMENTS_MANAGE");
  const cursor = useCursorPages(20);
  const [status, setStatus] = useState<PaymentStatus | undefined>();
  const [channel, setChannel] = useState<PaymentChannel | undefined>();
  const [resolving, setResolving] = useState<QueuedPayment | null>(null);
  const [returning, setReturning] = useState<QueuedPayment | null>(null);
  const queue = useGql(QueueQuery, { status, channel, first: cursor.first, after: cursor.after });
  const data = queue.data?.paymentQueue;

  return (
    <>
      <PageTitle>{t("queue.title")}</PageTitle>
      {canManage && <AllocateCard />}
      <Card title={t("queue.operatorQueue")}>
        <Space wrap style={{ marginBottom: 16 }}>
          <Select
            aria-label={t("queue.statusLabel")}
            placeholder={t("queue.allStatuses")}
            allowClear
            style={{ width: 200 }}
            value={status}
            onChange={(v) => {
              setStatus(v);
              cursor.reset();
            }}
            options={[
              { value: "UNMATCHED", label: t("queue.unmatched") },
              { value: "AMBIGUOUS", label: t("queue.ambiguous") },
            ]}
          />
          <Select
            aria-label={t("queue.channelLabel")}
            placeholder={t("queue.allChannels")}
            allowClear
            style={{ width: 200 }}
            value={channel}
            onChange={(v) => {
              setChannel(v);
              cursor.reset();
            }}
            options={["BANK_REGISTRY", "BANK_STATEMENT", "CARD_ONLINE", "CASH_DESK"].map((c) => ({ value: c, label: labelOf(t, CHANNEL, c) }))}
          />
        </Space>
        <QueryState loading={false} error={queue.error} retry={() => queue.refetch()}>
          <Table
            rowKey="id"
            loading={queue.isLoading}
            dataSource={data?.nodes ?? []}
            pagination={false}
            scroll={{ x: true }}
            locale={{ emptyText: t("queue.empty") }}
            columns={[
              { title: t("queue.columns.date"), dataIndex: "paidOn", render: formatDate },
              { title: t("queue.columns.channel"), dataIndex: "channel", render: (c: string) => labelOf(t, CHANNEL, c) },
              { title: t("queue.columns.source"), dataIndex: "source" },
              { title: t("queue.columns.payerRef"), dataIndex: "payerRef" },
              { title: t("queue.columns.payer"), dataIndex: "payerName" },
              { title: t("queue.columns.amount"), dataIndex: "amount", align: "right", render: formatMoney },
              {
                title: t("common.status"),
                dataIndex: "status",
                render: (s: string) => <Tag color={PAYMENT_STATUS[s]?.color}>{PAYMENT_STATUS[s] ? t(PAYMENT_STATUS[s].label) : s}</Tag>,
              },
              { title: t("queue.columns.reason"), dataIndex: "matchNote" },
              ...(canManage
                ? [
                    {
                      title: t("common.actions"),
                      key: "actions",
                      render: (_: unknown, p: QueuedPayment) => (
                        <Space>
                          <Button size="small" type="primary" onClick={() => setResolving(p)} aria-label={t("queue.resolveLabel", { ref: p.payerRef })}>
                            {t("queue.resolve")}
                          </Button>
                          <Button size="small" danger onClick={() => setReturning(p)} aria-label={t("queue.returnLabel", { ref: p.payerRef })}>
                            {t("queue.return")}
                          </Button>
                        </Space>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          <CursorPager
            pages={cursor}
            totalCount={data?.totalCount}
            hasNextPage={data?.pageInfo.hasNextPage}
            endCursor={data?.pageInfo.endCursor}
            loading={queue.isFetching}
          />
        </QueryState>
      </Card>
      <ResolveModal payment={resolving} onClose={() => setResolving(null)} />
      <ReturnModal payment={returning} onClose={() => setReturning(null)} />
    </>
  );
}

function ResolveModal({ payment, onClose }: { payment: QueuedPayment | null; onClose: () => void }) {
  const { t } = useTranslation("office");
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const [by, setBy] = useState<"els" | "accountNumber">("els");
  const { message } = App.useApp();
  const resolve = useGqlMutation(ResolveMutation, ["OfficePaymentQueue"]);
  useEffect(() => {
    if (payment) {
      form.resetFields();
      setError(null);
    }
  }, [payment, form]);

  const submit = async () => {
    if (!payment) return;
    let values: { ref: string; note?: string };
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    try {
      payload(
        await resolve.mutateAsync({
          paymentId: payment.id,
          els: by === "els" ? values.ref.trim() : null,
          accountNumber: by === "accountNumber" ? values.ref.trim() : null,
          note: values.note || null,
        }),
      );
      message.success(t("queue.resolved"));
      onClose();
    } catch (exc) {
      const rest = applyErrors(form, exc);
      // the server names els or accountNumber: show it on the one input
      const err = exc as { errors?: { field?: string | null; message: string }[] };
      const onRef = err.errors?.filter((e) => e.field === "els" || e.field === "accountNumber") ?? [];
      if (onRef.length) form.setFields([{ name: "ref", errors: onRef.map((e) => e.message) }]);
      setError(onRef.length ? (err.errors?.filter((e) => !onRef.includes(e)).map((e) => e.message).join(" ") || null) : rest);
    }
  };

  return (
    <Modal
      open={payment !== null}
      title={t("queue.resolveTitle")}
      okText={t("queue.resolve")}
      cancelText={t("common.cancel")}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={resolve.isPending}
      destroyOnHidden
    >
      {payment && (
        <Typography.Paragraph>
          {t("queue.resolveSummary", { amount: formatMoney(payment.amount), payer: payment.payerName || "—", ref: payment.payerRef })}
        </Typography.Paragraph>
      )}
      <ErrorBanner message={error} />
      <Form form={form} layout="vertical">
        <Form.Item label={t("queue.searchBy")}>
          <Radio.Group value={by} onChange={(e) => setBy(e.target.value)}>
            <Radio value="els">{t("queue.els")}</Radio>
            <Radio value="accountNumber">{t("queue.byAccount")}</Radio>
          </Radio.Group>
        </Form.Item>
        <Form.Item
          label={by === "els" ? t("queue.els") : t("queue.account")}
          name="ref"
          rules={[{ required: true, whitespace: true, message: t("queue.refRequired") }]}
        >
          <Input autoFocus />
        </Form.Item>
        <Form.Item label={t("queue.note")} name="note">
          <Input.TextArea rows={2} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function ReturnModal({ payment, onClose }: { payment: QueuedPayment | null; onClose: () => void }) {
  const { t } = useTranslation("office");
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const { message } = App.useApp();
  const ret = useGqlMutation(ReturnMutation, ["OfficePaymentQueue"]);
  useEffect(() => {
    if (payment) {
      form.resetFields();
      setError(null);
    }
  }, [payment, form]);

  const submit = async () => {
    if (!payment) return;
    let values: { note?: string; on?: Dayjs | null };
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    try {
      payload(
        await ret.mutateAsync({
          paymentId: payment.id,
          note: values.note || null,
          on: values.on ? values.on.format("YYYY-MM-DD") : null,
        }),
      );
      message.success(t("queue.returned"));
      onClose();
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <Modal
      open={payment !== null}
      title={t("queue.returnTitle")}
      okText={t("queue.return")}
      okButtonProps={{ danger: true }}
      cancelText={t("common.cancel")}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={ret.isPending}
      destroyOnHidden
    >
      {payment && (
        <Typography.Paragraph>
          {t("queue.returnSummary", { amount: formatMoney(payment.amount), payer: payment.payerName || "—", ref: payment.payerRef })}
        </Typography.Paragraph>
      )}
      <ErrorBanner message={error} />
      <Form form={form} layout="vertical">
        <Form.Item label={t("queue.returnDate")} name="on" extra={t("queue.returnDateHint")}>
          <DatePicker format="DD.MM.YYYY" style={{ width: "100%" }} />
        </Form.Item>
        <Form.Item label={t("queue.note")} name="note">
          <Input.TextArea rows={2} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function AllocateCard() {
  const { t } = useTranslation("office");
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const allocate = useGqlMutation(AllocateMutation, ["OfficePaymentQueue"]);

  const submit = async (values: { day: Dayjs; on?: Dayjs | null }) => {
    setError(null);
    setResult(null);
    try {
      const r = payload(
        await allocate.mutateAsync({
          day: values.day.format("YYYY-MM-DD"),
          on: values.on ? values.on.format("YYYY-MM-DD") : null,
        }),
      );
      const skipped = (r.skipped ?? [])
        .map((s) => t("queue.allocate.skippedItem", { reason: labelOf(t, SKIP_REASON, s.reason), number: s.count }))
        .join(", ");
      setResult(
        t("queue.allocate.result", {
          payments: r.paymentsCount ?? 0,
          amount: formatMoney(r.amount ?? "0"),
          allocations: r.allocationsCount ?? 0,
          principals: r.principalsCount ?? 0,
        }) + (skipped ? t("queue.allocate.skipped", { skipped }) : ""),
      );
    } catch (exc) {
      setError(applyErrors(form, exc) ?? errorText(exc));
    }
  };

  return (
    <Card title={t("queue.allocate.title")} style={{ marginBottom: 16 }}>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      {result && <Typography.Paragraph role="status">{result}</Typography.Paragraph>}
      <Form form={form} layout="inline" onFinish={submit}>
        <Form.Item label={t("queue.allocate.day")} name="day" rules={[{ required: true, message: t("queue.allocate.dayRequired") }]}>
          <DatePicker format="DD.MM.YYYY" />
        </Form.Item>
        <Form.Item label={t("queue.allocate.on")} name="on">
          <DatePicker format="DD.MM.YYYY" placeholder={t("queue.allocate.today")} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={allocate.isPending}>
          {t("queue.allocate.submit")}
        </Button>
      </Form>
    </Card>
  );
}
