// «Показания»: one reading by hand, a file of readings, and the history of uploaded files.
import { Alert, Button, Card, Checkbox, DatePicker, Form, InputNumber, Select, Space, Table, Tabs, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { ImportMode, ImportStatus } from "../../gql/graphql";
import { MutationError, payload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatDateTime, formatQuantity } from "../../shared/format";
import { useDebounced, useGql, useGqlMutation } from "../../shared/hooks";
import { FileUpload } from "../components/FileUpload";
import { RowErrorsTable } from "../components/UploadResult";
import { IMPORT_MODE, IMPORT_STATUS, type PortalKey } from "../labels";
import { labelOf } from "../../shared/labels";

const AccountOptionsQuery = graphql(`
  query PortalReadingAccounts($search: String) {
    accounts(first: 20, search: $search) {
      nodes { id number payerName address }
    }
  }
`);

const MetersQuery = graphql(`
  query PortalReadingMeters($id: ID!) {
    account(id: $id) {
      meters { id serial serviceName unit zones archivedAt readings { period zone value readingDate } }
    }
  }
`);

const WindowQuery = graphql(`
  query PortalReadingWindow {
    workspaceSettings { readingsWindowStartDay readingsWindowEndDay }
  }
`);

const SubmitMutation = graphql(`
  mutation PortalReadingSubmit($meterId: ID!, $readingDate: Date!, $values: [ZoneValue!]!, $rolloverZones: [Int!]) {
    readingSubmit(meterId: $meterId, readingDate: $readingDate, values: $values, rolloverZones: $rolloverZones) {
      errors { field message code }
      readings { zone value period }
    }
  }
`);

const BatchesQuery = graphql(`
  query PortalImportBatches {
    importBatches(kind: READINGS, first: 50) {
      id filename mode status encoding rowsTotal rowsLoaded createdAt
      errors { line field message code }
    }
  }
`);

/** How long the account search waits for typing to pause before asking the server. */
const SEARCH_DELAY_MS = 250;

const ZONE_NAMES: Record<number, PortalKey[]> = {
  1: ["readings.zones.single"],
  2: ["readings.zones.day", "readings.zones.night"],
  3: ["readings.zones.day", "readings.zones.night", "readings.zones.peak"],
};

/** Clear explanations for the reading rules the server names by code. */
const READING_HINTS: Record<string, PortalKey> = {
  READING_OUTSIDE_WINDOW: "readings.hints.outsideWindow",
  READING_BELOW_PREVIOUS: "readings.hints.belowPrevious",
  READING_IN_FUTURE: "readings.hints.inFuture",
  READING_OUT_OF_RANGE: "readings.hints.outOfRange",
  METER_ARCHIVED: "readings.hints.meterArchived",
  METER_VERIFICATION_EXPIRED: "readings.hints.verificationExpired",
  PERIOD_POSTED: "readings.hints.periodPosted",
};

export default function ReadingsPage() {
  const { t } = useTranslation("portal");
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("readings.title")}
      </Typography.Title>
      <Tabs
        items={[
          { key: "upload", label: t("readings.tabs.upload"), children: <Card><FileUpload kind="readings" invalidate={["PortalImportBatches"]} help={<UploadHelp />} /></Card> },
          { key: "one", label: t("readings.tabs.one"), children: <Card><SingleReading /></Card> },
          { key: "history", label: t("readings.tabs.history"), children: <History /> },
        ]}
      />
    </Space>
  );
}

function UploadHelp() {
  const { t } = useTranslation("portal");
  return <Trans t={t} i18nKey="readings.uploadHelp" components={{ b: <b /> }} />;
}

interface FormValues {
  accountId?: string;
  meterId?: string;
  readingDate?: Dayjs;
  values?: (string | null)[];
  rollover?: number[];
}

function SingleReading() {
  const { t } = useTranslation("portal");
  const [form] = Form.useForm<FormValues>();
  const [search, setSearch] = useState("");
  const accountId = Form.useWatch("accountId", form);
  const meterId = Form.useWatch("meterId", form);
  const typed = useDebounced(search.trim(), SEARCH_DELAY_MS);
  const accounts = useGql(AccountOptionsQuery, { search: typed || null }, { placeholderData: (prev) => prev });
  const meters = useGql(MetersQuery, { id: accountId ?? "" }, { enabled: !!accountId });
  const windowQ = useGql(WindowQuery);
  const submit = useGqlMutation(SubmitMutation, ["PortalReadingMeters", "PortalAccountCard"]);
  const [error, setError] = useState<MutationError | Error | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const working = (meters.data?.account?.meters ?? []).filter((m) => !m.archivedAt);
  const meter = working.find((m) => m.id === meterId);
  const zones = (meter ? ZONE_NAMES[meter.zones] ?? ZONE_NAMES[1] : []).map((key) => t(key));
  const last = (zone: number) => meter?.readings.find((r) => r.zone === zone);
  const ws = windowQ.data?.workspaceSettings;

  const onFinish = async (v: FormValues) => {
    setError(null);
    setDone(null);
    if (!meter || !v.readingDate) return;
    try {
      payload(
        await submit.mutateAsync({
          meterId: meter.id,
          readingDate: v.readingDate.format("YYYY-MM-DD"),
          values: zones.map((_n, i) => ({ zone: i + 1, value: String(v.values?.[i] ?? "") })),
          rolloverZones: v.rollover ?? [],
        }),
      );
      setDone(t("readings.accepted", { serial: meter.serial }));
      form.setFieldValue("values", []);
    } catch (exc) {
      if (exc instanceof MutationError) {
        form.setFields(
          exc.errors
            .filter((e) => e.field === "readingDate" || e.field === "meterId")
            .map((e) => ({ name: e.field as "meterId" | "readingDate", errors: [e.message] })),
        );
      }
      setError(exc instanceof Error ? exc : new Error(String(exc)));
    }
  };

  return (
    <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ readingDate: dayjs() }} style={{ maxWidth: 560 }}>
      {ws && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          title={t("readings.window", { from: ws.readingsWindowStartDay, to: ws.readingsWindowEndDay })}
        />
      )}
      <Form.Item label={t("readings.account")} name="accountId" rules={[{ required: true, message: t("readings.accountRequired") }]}>
        <Select
          showSearch={{ filterOption: false, onSearch: setSearch }}
          placeholder={t("readings.accountPlaceholder")}
          loading={accounts.isFetching}
          notFoundContent={accounts.isFetching ? t("readings.searching") : t("readings.nothingFound")}
          options={(accounts.data?.accounts.nodes ?? []).map((a) => ({ value: a.id, label: t("readings.accountOption", { number: a.number, payer: a.payerName, address: a.address }) }))}
          onChange={() => form.setFieldsValue({ meterId: undefined, values: [] })}
        />
      </Form.Item>
      <Form.Item label={t("readings.meter")} name="meterId" rules={[{ required: true, message: t("readings.meterRequired") }]}>
        <Select
          disabled={!accountId}
          loading={meters.isFetching}
          placeholder={accountId ? t("readings.meterPlaceholder") : t("readings.chooseAccountFirst")}
          options={working.map((m) => ({ value: m.id, label: t("readings.meterOption", { service: m.serviceName, serial: m.serial }) }))}
          notFoundContent={t("readings.noMeters")}
        />
      </Form.Item>
      {meters.error && <Alert type="error" showIcon title={meters.error.message} />}
      <Form.Item label={t("readings.date")} name="readingDate" rules={[{ required: true, message: t("readings.dateRequired") }]}>
        <DatePicker format="DD.MM.YYYY" disabledDate={(d) => d.isAfter(dayjs(), "day")} />
      </Form.Item>
      {zones.map((name, i) => {
        const prev = last(i + 1);
        return (
          <Form.Item
            key={name}
            label={meter && meter.zones > 1 ? t("readings.valueZone", { zone: name, unit: meter.unit }) : t("readings.value", { unit: meter?.unit ?? "" })}
            name={["values", i]}
            rules={[{ required: true, message: t("readings.valueRequired") }]}
            extra={prev ? t("readings.last", { value: formatQuantity(prev.value), date: formatDate(prev.readingDate) }) : t("readings.noneYet")}
          >
            <InputNumber stringMode min={0} step={0.01} decimalSeparator="," style={{ width: 220 }} />
          </Form.Item>
        );
      })}
      {meter && (
        <Form.Item label={t("readings.rollover")} name="rollover">
          <Checkbox.Group options={zones.map((n, i) => ({ value: i + 1, label: meter.zones > 1 ? n : t("readings.rolledOver") }))} />
        </Form.Item>
      )}
      {error && (
        <Alert
          type="error"
          showIcon
          role="alert"
          style={{ marginBottom: 16 }}
          title={t("readings.rejected")}
          description={
            error instanceof MutationError ? (
              <ul style={{ margin: 0, paddingLeft: 20 }}>
                {error.errors.map((e, i) => (
                  <li key={i}>
                    {e.message}
                    {READING_HINTS[e.code] ? ` ${t(READING_HINTS[e.code])}` : ""}
                  </li>
                ))}
              </ul>
            ) : (
              error.message
            )
          }
        />
      )}
      {done && <Alert type="success" showIcon role="status" title={done} style={{ marginBottom: 16 }} />}
      <Button type="primary" htmlType="submit" loading={submit.isPending}>
        {t("readings.submit")}
      </Button>
    </Form>
  );
}

function History() {
  const { t } = useTranslation("portal");
  const q = useGql(BatchesQuery);
  return (
    <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
      <Table
        rowKey="id"
        dataSource={q.data?.importBatches ?? []}
        pagination={{ pageSize: 20 }}
        locale={{ emptyText: t("readings.history.empty") }}
        scroll={{ x: 800 }}
        expandable={{
          rowExpandable: (b) => b.errors.length > 0,
          expandedRowRender: (b) => <RowErrorsTable errors={b.errors} />,
        }}
        columns={[
          { title: t("readings.history.loaded"), dataIndex: "createdAt", render: formatDateTime },
          { title: t("readings.history.file"), dataIndex: "filename" },
          { title: t("readings.history.mode"), dataIndex: "mode", render: (m: ImportMode) => labelOf(t, IMPORT_MODE, m) },
          { title: t("readings.history.status"), dataIndex: "status", render: (s: ImportStatus) => <Tag color={IMPORT_STATUS[s]?.color}>{labelOf(t, IMPORT_STATUS, s)}</Tag> },
          { title: t("readings.history.rows"), dataIndex: "rowsTotal", align: "right" },
          { title: t("readings.history.rowsLoaded"), dataIndex: "rowsLoaded", align: "right" },
          { title: t("readings.history.errors"), render: (_v, b) => b.errors.length, align: "right" },
        ]}
      />
    </QueryState>
  );
}
