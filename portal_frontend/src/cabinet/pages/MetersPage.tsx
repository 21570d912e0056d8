// «Показания»: each working meter of the linked households with its last reading, its readings window and a form
// to submit this month's reading (disabled, with the reason, while the window is closed).
import { DashboardOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, DatePicker, Descriptions, Flex, Form, Input, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import type { TFunction } from "i18next";
import { Fragment, useState } from "react";
import { useTranslation } from "react-i18next";
import { payload } from "../../shared/api";
import { formatDate, formatMonth, formatQuantity } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import type { CabinetMetersQuery, CabinetReadingSubmitMutation } from "../../gql/graphql";
import { type CabinetKey } from "../common";
import { MetersQuery, ReadingSubmitMutation } from "../queries";

type Meter = CabinetMetersQuery["residentMeters"][number];
type Accepted = NonNullable<NonNullable<CabinetReadingSubmitMutation["residentReadingSubmit"]>["readings"]>;

const ZONE_LABELS: Record<number, CabinetKey[]> = {
  1: ["meters.zoneSingle"],
  2: ["meters.zoneDay", "meters.zoneNight"],
  3: ["meters.zoneDay", "meters.zoneNight", "meters.zonePeak"],
};

export default function MetersPage() {
  const { t } = useTranslation("cabinet");
  const meters = useGql(MetersQuery);
  const rows = meters.data?.residentMeters ?? [];
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("meters.title")}
      </Typography.Title>
      <Alert
        type="info"
        showIcon
        title={t("meters.windowInfo")}
        description={t("meters.notLess")}
      />
      <QueryState
        loading={meters.isLoading}
        error={meters.error}
        retry={() => meters.refetch()}
        empty={rows.length === 0}
        emptyText={t("meters.empty")}
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
function windowDays(t: TFunction<"cabinet">, m: Meter): string | null {
  if (m.windowStartDay == null || m.windowEndDay == null) return null;
  return t("meters.windowDays", { start: m.windowStartDay, end: m.windowEndDay });
}

function LastReading({ meter: m, labels }: { meter: Meter; labels: string[] }) {
  const { t } = useTranslation("cabinet");
  if (m.lastReadings.length === 0) return <span>{t("meters.noReadingsYet")}</span>;
  const zoned = m.lastReadings.length > 1;
  // one inline span: the Descriptions cell lays its children out as flex items
  return (
    <span>
      <Typography.Text strong data-testid="last-reading">
        {m.lastReadings.map((r, i) => (
          <Fragment key={r.zone}>
            {i > 0 && "; "}
            <span style={{ whiteSpace: "nowrap" }}>
              {zoned && `${labels[r.zone - 1] ?? t("meters.zone", { zone: r.zone })}: `}
              {formatQuantity(r.value)}
            </span>
          </Fragment>
        ))}
      </Typography.Text>
      {m.lastReadingDate && ` ${t("meters.readingOn", { date: formatDate(m.lastReadingDate) })}`}
      {m.lastPeriod && ` ${t("meters.readingFor", { month: formatMonth(m.lastPeriod) })}`}
    </span>
  );
}

function MeterCard({ meter: m }: { meter: Meter }) {
  const { t } = useTranslation("cabinet");
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const [accepted, setAccepted] = useState<Accepted | null>(null);
  const submit = useGqlMutation(ReadingSubmitMutation, ["CabinetMeters"]);
  const { message } = App.useApp();
  const labels = (ZONE_LABELS[m.zones] ?? ZONE_LABELS[1]).map((key) => t(key));
  const prefix = `meter-${m.principalId}-${m.meterId}`;
  const days = windowDays(t, m);
  const closedReason = m.windowOpen
    ? null
    : t("meters.closedReason", { days: days ?? t("meters.closedWord") });

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
      message.success(t("meters.accepted", { serial: m.serial }));
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
      aria-label={t("meters.meterLabel", { serial: m.serial })}
    >
      <Typography.Paragraph type="secondary">
        {t("meters.account", { principal: m.principalName, account: m.accountNumber })}
        {m.zones > 1 ? ` · ${t("meters.zones", { count: m.zones })}` : ""}
      </Typography.Paragraph>
      <Descriptions
        size="small"
        column={1}
        style={{ marginBottom: 16 }}
        items={[
          { key: "last", label: t("meters.lastReading"), children: <LastReading meter={m} labels={labels} /> },
          {
            key: "window",
            label: t("meters.window"),
            children: (
              <span>
                {days ? t("meters.acceptedDays", { days }) : t("meters.acceptedAnyDay")}{" "}
                {m.windowOpen ? <Tag color="green">{t("meters.open")}</Tag> : <Tag color="orange">{t("meters.closed")}</Tag>}
              </span>
            ),
          },
        ]}
      />
      {closedReason && (
        <Alert
          type="warning"
          showIcon
          title={t("meters.windowClosed")}
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
          title={t("meters.acceptedFor", { month: formatMonth(accepted[0]?.period) })}
          description={accepted
            .map((r) => {
              const line = {
                label: labels[r.zone - 1] ?? t("meters.zone", { zone: r.zone }),
                value: formatQuantity(r.value),
                date: formatDate(r.readingDate),
              };
              return r.flagged ? t("meters.acceptedLineFlagged", line) : t("meters.acceptedLine", line);
            })
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
            label={t("meters.readingDate")}
            name="readingDate"
            htmlFor={`${prefix}-date`}
            rules={[{ required: true, message: t("meters.dateRequired") }]}
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
                { required: true, message: t("meters.valueRequired") },
                { pattern: /^\d+([.,]\d{1,4})?$/, message: t("meters.valueInvalid") },
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
            {t("meters.submit")}
          </Button>
          {closedReason && (
            <Typography.Text type="secondary" id={`${prefix}-closed`}>
              {t("meters.buttonAvailable", { when: days ?? t("meters.onWindowDays") })}
            </Typography.Text>
          )}
        </Flex>
      </Form>
    </Card>
  );
}
