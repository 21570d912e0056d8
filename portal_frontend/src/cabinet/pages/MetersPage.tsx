// «Показания»: each working meter of the linked households with its last reading, its readings window and a form
// to submit this month's reading (disabled, with the reason, while the window is closed).
import { DashboardOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, DatePicker, Descriptions, Flex, Form, Input, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { Fragment, useState } from "react";
import { payload } from "../../shared/api";
import { formatDate, formatMonth } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import type { CabinetMetersQuery, CabinetReadingSubmitMutation } from "../../gql/graphql";
import { formatQuantity } from "../common";
import { MetersQuery, ReadingSubmitMutation } from "../queries";

type Meter = CabinetMetersQuery["residentMeters"][number];
type Accepted = NonNullable<NonNullable<CabinetReadingSubmitMutation["residentReadingSubmit"]>["readings"]>;

const ZONE_LABELS: Record<number, string[]> = {
  1: ["Показание"],
  2: ["День (T1)", "Ночь (T2)"],
  3: ["День (T1)", "Ночь (T2)", "Пик (T3)"],
};

export default function MetersPage() {
  const meters = useGql(MetersQuery);
  const rows = meters.data?.residentMeters ?? [];
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Показания счётчиков
      </Typography.Title>
      <Alert
        type="info"
        showIcon
        title="Показания принимаются в дни приёма, которые установил поставщик услуги: они указаны у каждого прибора."
        description="Показание не может быть меньше предыдущего."
      />
      <QueryState
        loading={meters.isLoading}
        error={meters.error}
        retry={() => meters.refetch()}
        empty={rows.length === 0}
        emptyText="Приборов учёта нет или лицевой счёт ещё не подключён"
      >
        <Flex vertical gap={16}>
          {rows.map((m) => (
            <MeterCard key={`${m.principalId}-${m.meterId}`} meter={m} />
          ))}
        </Flex>
      </QueryState>
    </Flex>
  );
}

interface Values {
  readingDate: Dayjs;
  value?: string;
  value2?: string;
  value3?: string;
}

const ZONE_FIELDS = ["value", "value2", "value3"] as const;

/** «с 15 по 25 число», or null when the meter takes readings any day. */
function windowDays(m: Meter): string | null {
  if (m.windowStartDay == null || m.windowEndDay == null) return null;
  return `с ${m.windowStartDay} по ${m.windowEndDay} число`;
}

function LastReading({ meter: m, labels }: { meter: Meter; labels: string[] }) {
  if (m.lastReadings.length === 0) return <span>показаний ещё не было</span>;
  const zoned = m.lastReadings.length > 1;
  // one inline span: the Descriptions cell lays its children out as flex items
  return (
    <span>
      <Typography.Text strong data-testid="last-reading">
        {m.lastReadings.map((r, i) => (
          <Fragment key={r.zone}>
            {i > 0 && "; "}
            <span style={{ whiteSpace: "nowrap" }}>
              {zoned && `${labels[r.zone - 1] ?? `Зона ${r.zone}`}: `}
              {formatQuantity(r.value)}
            </span>
          </Fragment>
        ))}
      </Typography.Text>
      {m.lastReadingDate && ` от ${formatDate(m.lastReadingDate)}`}
      {m.lastPeriod && ` (за ${formatMonth(m.lastPeriod)})`}
    </span>
  );
}

function MeterCard({ meter: m }: { meter: Meter }) {
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const [accepted, setAccepted] = useState<Accepted | null>(null);
  const submit = useGqlMutation(ReadingSubmitMutation, ["CabinetMeters"]);
  const { message } = App.useApp();
  const labels = ZONE_LABELS[m.zones] ?? ZONE_LABELS[1];
  const prefix = `meter-${m.principalId}-${m.meterId}`;
  const days = windowDays(m);
  const closedReason = m.windowOpen
    ? null
    : `Сейчас показания не принимаются: приём ${days ?? "закрыт"}. Передайте показания в эти дни.`;

  const onFinish = async (values: Values) => {
    setError(null);
    setAccepted(null);
    try {
      const zoneValues = labels.map((_l, i) => ({
        zone: i + 1,
        value: String(values[ZONE_FIELDS[i]] ?? "").trim().replace(",", "."),
      }));
      const result = payload(
        await submit.mutateAsync({
          principalId: m.principalId,
          meterId: m.meterId,
          readingDate: values.readingDate.format("YYYY-MM-DD"),
          values: zoneValues,
        }),
      );
      setAccepted(result.readings ?? []);
      message.success(`Показания прибора ${m.serial} приняты`);
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  return (
    <Card
      title={
        <span style={{ whiteSpace: "normal" }}>
          <DashboardOutlined /> {m.serviceName}
        </span>
      }
      extra={<Tag>№ {m.serial}</Tag>}
      aria-label={`Прибор учёта ${m.serial}`}
    >
      <Typography.Paragraph type="secondary">
        {m.principalName} · лицевой счёт {m.accountNumber}
        {m.zones > 1 ? ` · ${m.zones} тарифные зоны` : ""}
      </Typography.Paragraph>
      <Descriptions
        size="small"
        column={1}
        style={{ marginBottom: 16 }}
        items={[
          { key: "last", label: "Последнее показание", children: <LastReading meter={m} labels={labels} /> },
          {
            key: "window",
            label: "Приём показаний",
            children: (
              <span>
                {days ? `Показания принимаются ${days}` : "Показания принимаются в любой день"}{" "}
                {m.windowOpen ? <Tag color="green">открыт</Tag> : <Tag color="orange">закрыт</Tag>}
              </span>
            ),
          },
        ]}
      />
      {closedReason && (
        <Alert
          type="warning"
          showIcon
          title="Приём показаний закрыт"
          description={closedReason}
          style={{ marginBottom: 16 }}
        />
      )}
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      {accepted && (
        <Alert
          type="success"
          showIcon
          role="status"
          style={{ marginBottom: 16 }}
          title={`Показания за ${formatMonth(accepted[0]?.period)} приняты`}
          description={accepted
            .map((r) => `${labels[r.zone - 1] ?? `Зона ${r.zone}`}: ${formatQuantity(r.value)} (${formatDate(r.readingDate)})${r.flagged ? " — необычно большой расход, проверим" : ""}`)
            .join("; ")}
        />
      )}
      <Form
        form={form}
        layout="vertical"
        onFinish={onFinish}
        requiredMark={false}
        initialValues={{ readingDate: dayjs() }}
      >
        <Flex gap={16} wrap align="flex-start">
          <Form.Item
            label="Дата показаний"
            name="readingDate"
            htmlFor={`${prefix}-date`}
            rules={[{ required: true, message: "Укажите дату" }]}
          >
            <DatePicker id={`${prefix}-date`} format="DD.MM.YYYY" allowClear={false} inputReadOnly={false} />
          </Form.Item>
          {labels.map((label, i) => (
            <Form.Item
              key={ZONE_FIELDS[i]}
              label={label}
              name={ZONE_FIELDS[i]}
              htmlFor={`${prefix}-${ZONE_FIELDS[i]}`}
              rules={[
                { required: true, message: "Введите показание" },
                { pattern: /^\d+([.,]\d{1,4})?$/, message: "Число, например 1234,5" },
              ]}
            >
              <Input id={`${prefix}-${ZONE_FIELDS[i]}`} inputMode="decimal" autoComplete="off" style={{ width: 160 }} />
            </Form.Item>
          ))}
        </Flex>
        <Flex gap={12} wrap align="center">
          <Button
            type="primary"
            htmlType="submit"
            loading={submit.isPending}
            disabled={!m.windowOpen}
            aria-describedby={closedReason ? `${prefix}-closed` : undefined}
          >
            Передать показания
          </Button>
          {closedReason && (
            <Typography.Text type="secondary" id={`${prefix}-closed`}>
              Кнопка станет доступна {days ?? "в дни приёма"}.
            </Typography.Text>
          )}
        </Flex>
      </Form>
    </Card>
  );
}
