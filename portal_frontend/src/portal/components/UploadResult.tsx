// The outcome of an uploaded file: its status, counts and every error by line and field.
import { Alert, Descriptions, Table, Tag } from "antd";
import { IMPORT_MODE, IMPORT_STATUS, fileField } from "../labels";

export interface RowError {
  line: number | null;
  field?: string | null;
  message: string;
  code?: string;
}

export interface BatchAnswer {
  id?: number | string;
  status: string;
  mode?: string;
  encoding?: string;
  rowsTotal: number;
  rowsLoaded: number;
  errors: RowError[];
}

function summary(b: BatchAnswer): { type: "success" | "warning" | "error" | "info"; text: string } {
  const bad = new Set(b.errors.map((e) => e.line)).size;
  if (b.status === "VALIDATED") {
    return b.errors.length
      ? { type: "warning", text: `Файл проверен: ошибок в строках — ${bad}. Ничего не загружено.` }
      : { type: "success", text: "Файл проверен: ошибок нет. Ничего не загружено, выберите режим загрузки." };
  }
  if (b.status === "REJECTED") return { type: "error", text: "Файл отклонён: ничего не загружено." };
  if (b.errors.length) return { type: "warning", text: `Загружено записей: ${b.rowsLoaded}. Строки с ошибками пропущены.` };
  return { type: "success", text: `Файл загружен полностью: записей ${b.rowsLoaded}.` };
}

export function UploadResult({ batch }: { batch: BatchAnswer }) {
  const status = batch.status.toUpperCase();
  const b = { ...batch, status, mode: batch.mode?.toUpperCase() };
  const s = summary(b);
  return (
    <section aria-label="Результат загрузки">
      <Alert type={s.type} showIcon title={s.text} role="status" style={{ marginBottom: 12 }} />
      <Descriptions size="small" bordered column={{ xs: 1, md: 4 }} style={{ marginBottom: 12 }}>
        <Descriptions.Item label="Статус">
          <Tag color={IMPORT_STATUS[status]?.color}>{IMPORT_STATUS[status]?.label ?? status}</Tag>
        </Descriptions.Item>
        {b.mode && <Descriptions.Item label="Режим">{IMPORT_MODE[b.mode] ?? b.mode}</Descriptions.Item>}
        <Descriptions.Item label="Строк в файле">{b.rowsTotal}</Descriptions.Item>
        <Descriptions.Item label="Загружено записей">{b.rowsLoaded}</Descriptions.Item>
        <Descriptions.Item label="Ошибок">{b.errors.length}</Descriptions.Item>
      </Descriptions>
      {b.errors.length > 0 && <RowErrorsTable errors={b.errors} />}
    </section>
  );
}

export function RowErrorsTable({ errors }: { errors: RowError[] }) {
  return (
    <Table
      aria-label="Ошибки по строкам"
      rowKey={(_e, i) => String(i)}
      size="small"
      dataSource={errors}
      pagination={errors.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
      columns={[
        { title: "Строка", dataIndex: "line", width: 90, render: (v: number | null) => v ?? "файл" },
        { title: "Поле", dataIndex: "field", width: 200, render: (v: string | null) => fileField(v) },
        { title: "Ошибка", dataIndex: "message" },
      ]}
    />
  );
}
