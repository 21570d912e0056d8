// «Показания»: one reading by hand, a file of readings, and the history of uploaded files.
import { Alert, Button, Card, Checkbox, DatePicker, Form, InputNumber, Select, Space, Table, Tabs, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { graphql } from "../../gql";
import { MutationError, payload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { FileUpload } from "../components/FileUpload";
import { RowErrorsTable } from "../components/UploadResult";
import { IMPORT_MODE, IMPORT_STATUS } from "../labels";

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

const ZONE_NAMES: Record<number, string[]> = { 1: ["Показание"], 2: ["День", "Ночь"], 3: ["День", "Ночь", "Пик"] };

/** Clear Russian explanations for the reading rules the server names by code. */
const READING_HINTS: Record<string, string> = {
  READING_OUTSIDE_WINDOW: "Показания принимаются только в дни приёма показаний.",
  READING_BELOW_PREVIOUS: "Новое показание не может быть меньше предыдущего. Если счётчик перешёл через ноль, отметьте это.",
  READING_IN_FUTURE: "Нельзя передать показания будущей датой.",
  READING_OUT_OF_RANGE: "Значение не помещается в разрядность счётчика.",
  METER_ARCHIVED: "Прибор учёта выведен из эксплуатации.",
  METER_VERIFICATION_EXPIRED: "Прибор учёта нужно поверить.",
  PERIOD_POSTED: "Месяц уже закрыт, показания за него не принимаются.",
};

export default function ReadingsPage() {
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Показания приборов учёта
      </Typography.Title>
      <Tabs
        items={[
          { key: "upload", label: "Загрузка файла", children: <Card><FileUpload kind="readings" invalidate={["PortalImportBatches"]} help={<UploadHelp />} /></Card> },
          { key: "one", label: "Ввести показание", children: <Card><SingleReading /></Card> },
          { key: "history", label: "История загрузок", children: <History /> },
        ]}
      />
    </Space>
  );
}

function UploadHelp() {
  return (
    <>
      Файл CSV (разделитель «;», «,» или табуляция, кодировка UTF-8 или Windows-1251) или XLSX, первая строка — заголовок.
      Столбцы: <b>счетчик</b> (заводской номер), <b>зона</b> (1 — день или единственная, 2 — ночь, 3 — пик; пусто — 1),{" "}
      <b>показание</b> (десятичная запятая или точка), <b>дата</b> (ДД.ММ.ГГГГ или ГГГГ-ММ-ДД). Одна строка — одна зона
      одного прибора. Повторная загрузка того же файла ничего не меняет.
    </>
  );
}

interface FormValues {
  accountId?: string;
  meterId?: string;
  readingDate?: Dayjs;
  values?: (string | null)[];
  rollover?: number[];
}

function SingleReading() {
  const [form] = Form.useForm<FormValues>();
  const [search, setSearch] = useState("");
  const accountId = Form.useWatch("accountId", form);
  const meterId = Form.useWatch("meterId", form);
  const accounts = useGql(AccountOptionsQuery, { search: search || null });
  const meters = useGql(MetersQuery, { id: accountId ?? "" }, { enabled: !!accountId });
  const windowQ = useGql(WindowQuery);
  const submit = useGqlMutation(SubmitMutation, ["PortalReadingMeters", "PortalAccountCard"]);
  const [error, setError] = useState<MutationError | Error | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const working = (meters.data?.account?.meters ?? []).filter((m) => !m.archivedAt);
  const meter = working.find((m) => m.id === meterId);
  const zones = meter ? ZONE_NAMES[meter.zones] ?? ZONE_NAMES[1] : [];
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
      setDone(`Показание прибора ${meter.serial} принято.`);
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
          title={`Показания принимаются с ${ws.readingsWindowStartDay} по ${ws.readingsWindowEndDay} число месяца (если для дома не задан свой срок).`}
        />
      )}
      <Form.Item label="Лицевой счёт" name="accountId" rules={[{ required: true, message: "Выберите лицевой счёт" }]}>
        <Select
          showSearch={{ filterOption: false, onSearch: setSearch }}
          placeholder="Номер счёта, ФИО или адрес"
          loading={accounts.isFetching}
          notFoundContent={accounts.isFetching ? "Поиск…" : "Ничего не найдено"}
          options={(accounts.data?.accounts.nodes ?? []).map((a) => ({ value: a.id, label: `${a.number} — ${a.payerName}, ${a.address}` }))}
          onChange={() => form.setFieldsValue({ meterId: undefined, values: [] })}
        />
      </Form.Item>
      <Form.Item label="Прибор учёта" name="meterId" rules={[{ required: true, message: "Выберите прибор учёта" }]}>
        <Select
          disabled={!accountId}
          loading={meters.isFetching}
          placeholder={accountId ? "Выберите прибор" : "Сначала выберите счёт"}
          options={working.map((m) => ({ value: m.id, label: `${m.serviceName}, № ${m.serial}` }))}
          notFoundContent="У счёта нет работающих приборов"
        />
      </Form.Item>
      {meters.error && <Alert type="error" showIcon title={meters.error.message} />}
      <Form.Item label="Дата показаний" name="readingDate" rules={[{ required: true, message: "Укажите дату" }]}>
        <DatePicker format="DD.MM.YYYY" disabledDate={(d) => d.isAfter(dayjs(), "day")} />
      </Form.Item>
      {zones.map((name, i) => {
        const prev = last(i + 1);
        return (
          <Form.Item
            key={name}
            label={meter && meter.zones > 1 ? `Показание, зона «${name}» (${meter.unit})` : `Показание (${meter?.unit ?? ""})`}
            name={["values", i]}
            rules={[{ required: true, message: "Введите показание" }]}
            extra={prev ? `Последнее: ${prev.value.replace(".", ",")} от ${formatDate(prev.readingDate)}` : "Показаний ещё не было"}
          >
            <InputNumber stringMode min={0} step={0.01} decimalSeparator="," style={{ width: 220 }} />
          </Form.Item>
        );
      })}
      {meter && (
        <Form.Item label="Переход через ноль" name="rollover">
          <Checkbox.Group options={zones.map((n, i) => ({ value: i + 1, label: meter.zones > 1 ? n : "Счётчик перешёл через ноль" }))} />
        </Form.Item>
      )}
      {error && (
        <Alert
          type="error"
          showIcon
          role="alert"
          style={{ marginBottom: 16 }}
          title="Показание не принято"
          description={
            error instanceof MutationError ? (
              <ul style={{ margin: 0, paddingLeft: 20 }}>
                {error.errors.map((e, i) => (
                  <li key={i}>
                    {e.message}
                    {READING_HINTS[e.code] ? ` ${READING_HINTS[e.code]}` : ""}
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
        Передать показание
      </Button>
    </Form>
  );
}

function History() {
  const q = useGql(BatchesQuery);
  return (
    <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
      <Table
        rowKey="id"
        dataSource={q.data?.importBatches ?? []}
        pagination={{ pageSize: 20 }}
        locale={{ emptyText: "Файлы ещё не загружались" }}
        scroll={{ x: 800 }}
        expandable={{
          rowExpandable: (b) => b.errors.length > 0,
          expandedRowRender: (b) => <RowErrorsTable errors={b.errors} />,
        }}
        columns={[
          { title: "Загружен", dataIndex: "createdAt", render: formatDateTime },
          { title: "Файл", dataIndex: "filename" },
          { title: "Режим", dataIndex: "mode", render: (m: string) => IMPORT_MODE[m] ?? m },
          { title: "Статус", dataIndex: "status", render: (s: string) => <Tag color={IMPORT_STATUS[s]?.color}>{IMPORT_STATUS[s]?.label ?? s}</Tag> },
          { title: "Строк", dataIndex: "rowsTotal", align: "right" },
          { title: "Загружено", dataIndex: "rowsLoaded", align: "right" },
          { title: "Ошибок", render: (_v, b) => b.errors.length, align: "right" },
        ]}
      />
    </QueryState>
  );
}
