// «Касса»: open a shift at a desk, take cash receipts in it, close it with its totals; the shifts list.
import { App, Button, Card, DatePicker, Descriptions, Form, Input, InputNumber, Space, Table, Tag } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
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
  const me = useMe();
  const canManage = useCan("PAYMENTS_MANAGE");
  const cursor = useCursor(20);
  const openShifts = useGql(ShiftsQuery, { open: true, first: 100 });
  const all = useGql(ShiftsQuery, { first: cursor.first, after: cursor.after });
  const mine = (openShifts.data?.cashShifts.nodes ?? []).filter((s) => s.operatorEmail === me.data?.me.email);
  const data = all.data?.cashShifts;

  return (
    <>
      <PageTitle>Касса</PageTitle>
      {canManage && (
        <QueryState loading={openShifts.isLoading} error={openShifts.error} retry={() => openShifts.refetch()}>
          {mine.length ? mine.map((s) => <ShiftCard key={s.id} shift={s} />) : <OpenShiftCard />}
        </QueryState>
      )}
      <Card title="Смены">
        <QueryState loading={false} error={all.error} retry={() => all.refetch()}>
          <Table
            rowKey="id"
            loading={all.isLoading}
            dataSource={data?.nodes ?? []}
            pagination={false}
            scroll={{ x: true }}
            columns={[
              { title: "Касса", dataIndex: "desk" },
              { title: "Кассир", dataIndex: "operatorEmail" },
              { title: "Открыта", dataIndex: "openedAt", render: formatDateTime },
              {
                title: "Закрыта",
                dataIndex: "closedAt",
                render: (v: string | null) => (v ? formatDateTime(v) : <Tag color="processing">открыта</Tag>),
              },
              { title: "Чеков", dataIndex: "receiptsCount", align: "right" },
              { title: "Итого", dataIndex: "total", align: "right", render: formatMoney },
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
    <Card title="Открыть смену" style={{ marginBottom: 16 }}>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      <Form form={form} layout="inline" onFinish={submit} initialValues={{ desk: "ЕРЦ, касса 1" }}>
        <Form.Item label="Касса" name="desk" rules={[{ required: true, whitespace: true, message: "Укажите кассу" }]}>
          <Input style={{ width: 240 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={open.isPending}>
          Открыть смену
        </Button>
      </Form>
    </Card>
  );
}

function ShiftCard({ shift }: { shift: Shift }) {
  const [form] = Form.useForm();
  const { message, modal } = App.useApp();
  const [error, setError] = useState<string | null>(null);
  const [closed, setClosed] = useState<string | null>(null);
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
      if (r.created === false) message.warning("Чек с этим номером уже записан: ничего не изменилось");
      else message.success(`Принято ${formatMoney(r.payment?.amount)}`);
      form.resetFields(["receiptNumber", "amount", "payerRef", "payerName"]);
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  const closeShift = () =>
    modal.confirm({
      title: "Закрыть смену?",
      content: "Число чеков и итог смены будут зафиксированы.",
      okText: "Закрыть смену",
      cancelText: "Отмена",
      onOk: async () => {
        try {
          const r = payload(await close.mutateAsync({ shiftId: shift.id }));
          setClosed(`Смена закрыта: чеков ${r.shift?.receiptsCount ?? 0}, итого ${formatMoney(r.shift?.total)}`);
          message.success("Смена закрыта");
        } catch (exc) {
          setError(applyErrors(null, exc));
        }
      },
    });

  return (
    <Card
      title={`Открытая смена: ${shift.desk}`}
      style={{ marginBottom: 16 }}
      extra={
        <Button danger onClick={closeShift} loading={close.isPending}>
          Закрыть смену
        </Button>
      }
    >
      <Descriptions size="small" items={[{ key: "opened", label: "Открыта", children: formatDateTime(shift.openedAt) }]} />
      {closed && <p role="status">{closed}</p>}
      <ErrorBanner message={error} onClose={() => setError(null)} />
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ paidOn: dayjs() }}>
        <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(180px, 1fr))", columnGap: 16 }}>
          <Form.Item label="Номер чека" name="receiptNumber" rules={[{ required: true, whitespace: true, message: "Укажите номер" }]}>
            <Input />
          </Form.Item>
          <Form.Item label="ЕЛС, ИПД или лицевой счёт" name="payerRef" rules={[{ required: true, whitespace: true, message: "Укажите счёт" }]}>
            <Input />
          </Form.Item>
          <Form.Item label="Плательщик" name="payerName">
            <Input />
          </Form.Item>
          <Form.Item label="Сумма, ₽" name="amount" rules={[{ required: true, message: "Укажите сумму" }]}>
            <InputNumber<string> stringMode min="0.01" step="0.01" precision={2} decimalSeparator="," style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item label="Дата оплаты" name="paidOn" rules={[{ required: true, message: "Укажите дату" }]}>
            <DatePicker format="DD.MM.YYYY" style={{ width: "100%" }} />
          </Form.Item>
        </div>
        <Space>
          <Button type="primary" htmlType="submit" loading={record.isPending}>
            Принять оплату
          </Button>
        </Space>
      </Form>
    </Card>
  );
}

