// The outcome of an uploaded file: its status, counts and every error by line and field.
import { Alert, Descriptions, Table, Tag } from "antd";
import { useTranslation } from "react-i18next";
import type { ImportMode, ImportStatus } from "../../gql/graphql";
import { IMPORT_MODE, IMPORT_STATUS, fileField, type PortalT } from "../labels";
import { labelOf } from "../../shared/labels";

export interface RowError {
  line: number | null;
  field?: string | null;
  message: string;
  code?: string;
}

/** An import batch as the import mutations answer it (graphql_api.imports). */
export interface BatchAnswer {
  id?: string;
  status: ImportStatus;
  mode?: ImportMode;
  encoding?: string;
  rowsTotal: number;
  rowsLoaded: number;
  errors: RowError[];
}

function summary(t: PortalT, b: BatchAnswer): { type: "success" | "warning" | "error" | "info"; text: string } {
  const bad = new Set(b.errors.map((e) => e.line)).size;
  if (b.status === "VALIDATED") {
    return b.errors.length
      ? { type: "warning", text: t("uploadResult.validatedWithErrors", { bad }) }
      : { type: "success", text: t("uploadResult.validatedClean") };
  }
  if (b.status === "REJECTED") return { type: "error", text: t("uploadResult.rejected") };
  if (b.errors.length) return { type: "warning", text: t("uploadResult.loadedPartly", { loaded: b.rowsLoaded }) };
  return { type: "success", text: t("uploadResult.loadedFully", { loaded: b.rowsLoaded }) };
}

export function UploadResult({ batch: b }: { batch: BatchAnswer }) {
  const { t } = useTranslation("portal");
  const status = b.status;
  const s = summary(t, b);
  return (
    <section aria-label={t("uploadResult.region")}>
      <Alert type={s.type} showIcon title={s.text} role="status" style={{ marginBottom: 12 }} />
      <Descriptions size="small" bordered column={{ xs: 1, md: 4 }} style={{ marginBottom: 12 }}>
        <Descriptions.Item label={t("uploadResult.status")}>
          <Tag color={IMPORT_STATUS[status]?.color}>{labelOf(t, IMPORT_STATUS, status)}</Tag>
        </Descriptions.Item>
        {b.mode && <Descriptions.Item label={t("uploadResult.mode")}>{labelOf(t, IMPORT_MODE, b.mode)}</Descriptions.Item>}
        <Descriptions.Item label={t("uploadResult.rowsTotal")}>{b.rowsTotal}</Descriptions.Item>
        <Descriptions.Item label={t("uploadResult.rowsLoaded")}>{b.rowsLoaded}</Descriptions.Item>
        <Descriptions.Item label={t("uploadResult.errors")}>{b.errors.length}</Descriptions.Item>
      </Descriptions>
      {b.errors.length > 0 && <RowErrorsTable errors={b.errors} />}
    </section>
  );
}

export function RowErrorsTable({ errors }: { errors: RowError[] }) {
  const { t } = useTranslation("portal");
  return (
    <Table
      aria-label={t("uploadResult.errorsTable")}
      rowKey={(_e, i) => String(i)}
      size="small"
      dataSource={errors}
      pagination={errors.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
      columns={[
        { title: t("uploadResult.line"), dataIndex: "line", width: 90, render: (v: number | null) => v ?? t("uploadResult.wholeFile") },
        { title: t("uploadResult.field"), dataIndex: "field", width: 200, render: (v: string | null) => fileField(t, v) },
        { title: t("uploadResult.error"), dataIndex: "message" },
      ]}
    />
  );
}
