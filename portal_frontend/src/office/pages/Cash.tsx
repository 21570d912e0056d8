// «Касса»: open a shift at a desk, take cash receipts in it, close it with its totals; the shifts list.
import { App, Button, Card, DatePicker, Descriptions, Form, Input, InputNumber, Space, Table, Tag } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import { payload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { useMe } from "../../shared/auth";
import { applyErrors } from "../../shared/forms";
import { formatDateTime, formatMoney } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { CursorPager, ErrorBanner, PageTitle, useCan, useCursor } from "../common";

const ShiftsQuery = graphql(`
  query OfficeCashShifts($open: Boolean, $first: Int, $after: String) {
    cashShifts(open: $open, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id desk operatorEmail openedAt closedAt receiptsCount total }
    }
  }
`);

const OpenMutation = graphql(`
  mutation OfficeCashShiftOpen($desk: String!) {
    cashShiftOpen(desk: $desk) { errors { field message code } shift { id desk } }
  }
`);

const ReceiptMutation = graphql(`
  mutation OfficeCashReceiptRecord(
    $shiftId: ID!, $receiptNumber: String!, $amount: Decimal!, $payerRef: String!, $payerName: String, $paidOn: Date!
  ) {
    cashReceiptRecord(
      shiftId: $shiftId, receiptNumber: $receiptNumber, amount: $amount, payerRef: $payerRef,
      payerName: $payerName, paidOn: $paidOn
    ) {
      errors { field message code }
      created
      payment { id amount status els }
    }
  }
`);

const CloseMutation = graphql(`
  mutation OfficeCashShiftClose($shiftId: ID!) {
    cashShiftClose(shiftId: $shiftId) { errors { field message code } shift { id receiptsCount total closedAt } }
  }
`);

interface Shift {
  id: string;
  desk: string;
  operatorEmail: string;
  openedAt: string;
}

export default function CashPage() {
  const { t } = useTranslation("office");
  const me = useMe();
  const canManage = useCan("PAYMENTS_MANAGE");
  const cursor = useCursor(20);
  const openShifts = useGql(ShiftsQuery, { open: true, first: 100 });
  const all = useGql(ShiftsQuery, { first: cursor.first, after: cursor.after });
  const mine = (openShifts.data?.cashShifts.nodes ?? []).filter((s) => s.operatorEmail === me.data?.me.email);
  const data = all.data?.cashShifts;

  return (
    <>
      <PageTitle>{t("cash.title")}</PageTitle>
      {canManage && (
        <QueryState loading={openShifts.isLoading} error={openShifts.error} retry={() => openShifts.refetch()}>
          {mine.length ? mine.map((s) => <ShiftCard key={s.id} shift={s} />) : <OpenShiftCard />}
        </QueryState>
      )}
      <Card title={t("cash.shifts")}>
        <QueryState loading={false} error={all.error} retry={() => all.refetch()}>
          <Table
            rowKey="id"
            loading={all.isLoading}
            dataSource={data?.nodes ?? []}
            pagination={false}
            scroll={{ x: true }}
            columns={[
              { title: t("cash.columns.desk"), dataIndex: "desk" },
              { title: t("cash.columns.cashier"), dataIndex: "operatorEmail" },
              { title: t("cash.columns.opened"), dataIndex: "openedAt", render: formatDateTime },
              {
                title: t("cash.columns.closed"),
                dataIndex: "closedAt",
                render: (v: string | null) => (v ? formatDateTime(v) : <Tag color="processing">{t("cash.open")}</Tag>),
              },
              { title: t("cash.columns.receipts"), dataIndex: "receiptsCount", align: "right" },
              { title: t("cash.columns.total"), dataIndex: "total", align: "right", render: formatMoney },
            ]}
          />
          <CursorPager
            cursor={cursor}
            total={data?.totalCount}
            hasNext={data?.pageInfo.hasNextPage}
            endCursor={data?.pageInfo.endCursor}
            loading={all.isFetching}
          />
        </QueryState>
      </Card>
    </>
  );
}

function OpenShiftCard() {
  const { t } = useTranslation("office");
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const open = useGqlMutation(OpenMutation, ["OfficeCashShifts"]);
  const submit = async (values: { desk: string }) => {
    setError(null);
    try {
      payload(await open.mutateAsync({ desk: values.desk.trim() }));
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  return (
    <Card title={t("cash.openShift")} style={{ marginBottom: 16 }}>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      <Form form={form} layout="inline" onFinish={submit} initialValues={{ desk: t("cash.defaultDesk") }}>
        <Form.Item label={t("cash.desk")} name="desk" rules={[{ required: true, whitespace: true, message: t("cash.deskRequired") }]}>
          <Input style={{ width: 240 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={open.isPending}>
          {t("cash.openShift")}
        </Button>
      </Form>
    </Card>
  );
}

function ShiftCard({ shift }: { shift: Shift }) {
  const { t } = useTranslation("office");
  const [form] = Form.useForm();
  const { message, modal } = App.useApp();
  const [error, setError] = useState<string | null>(null);
  const record = useGqlMutation(ReceiptMutation, ["OfficeCashShifts"]);
  const close = useGqlMutation(CloseMutation, ["OfficeCashShifts"]);

  const submit = async (v: { receiptNumber: string; amount: string; payerRef: string; payerName?: string; paidOn: Dayjs }) => {
    setError(null);
    try {
      const r = payload(
        await record.mutateAsync({
          shiftId: shift.id,
          receiptNumber: v.receiptNumber.trim(),
          amount: String(v.amount),
          payerRef: v.payerRef.trim(),
          payerName: v.payerName || null,
          paidOn: v.paidOn.format("YYYY-MM-DD"),
        }),
      );
      if (r.created === false) message.warning(t("cash.duplicateReceipt"));
      else message.success(t("cash.accepted", { amount: formatMoney(r.payment?.amount) }));
      form.resetFields(["receiptNumber", "amount", "payerRef", "payerName"]);
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  const closeShift = () =>
    modal.confirm({
      title: t("cash.closeConfirm"),
      content: t("cash.closeConfirmText"),
      okText: t("cash.closeShift"),
      cancelText: t("common.cancel"),
      onOk: async () => {
        try {
          const r = payload(await close.mutateAsync({ shiftId: shift.id }));
          // the list refetch unmounts this card, so the summary goes into the message
          message.success(t("cash.closedSummary", { receipts: r.shift?.receiptsCount ?? 0, total: formatMoney(r.shift?.total) }));
        } catch (exc) {
          setError(applyErrors(null, exc));
        }
      },
    });

  return (
    <Card
      title={t("cash.openShiftTitle", { desk: shift.desk })}
      style={{ marginBottom: 16 }}
      extra={
        <Button danger onClick={closeShift} loading={close.isPending}>
          {t("cash.closeShift")}
        </Button>
      }
    >
      <Descriptions size="small" items={[{ key: "opened", label: t("cash.openedAt"), children: formatDateTime(shift.openedAt) }]} />
      <ErrorBanner message={error} onClose={() => setError(null)} />
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ paidOn: dayjs() }}>
        <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(180px, 1fr))", columnGap: 16 }}>
          <Form.Item label={t("cash.receiptNumber")} name="receiptNumber" rules={[{ required: true, whitespace: true, message: t("cash.numberRequired") }]}>
            <Input />
          </Form.Item>
          <Form.Item label={t("cash.payerRef")} name="payerRef" rules={[{ required: true, whitespace: true, message: t("cash.refRequired") }]}>
            <Input />
          </Form.Item>
          <Form.Item label={t("cash.payer")} name="payerName">
            <Input />
          </Form.Item>
          <Form.Item label={t("cash.amount")} name="amount" rules={[{ required: true, message: t("cash.amountRequired") }]}>
            <InputNumber<string> stringMode min="0.01" step="0.01" precision={2} decimalSeparator="," style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item label={t("cash.paidOn")} name="paidOn" rules={[{ required: true, message: t("cash.dateRequired") }]}>
            <DatePicker format="DD.MM.YYYY" style={{ width: "100%" }} />
          </Form.Item>
        </div>
        <Space>
          <Button type="primary" htmlType="submit" loading={record.isPending}>
            {t("cash.accept")}
          </Button>
        </Space>
      </Form>
    </Card>
  );
}

