// Importing a table file (CSV or XLSX) in a chosen mode: stored by /uploads/<kind> (with progress), then the kind's
// import mutation run with the key; the batch it answers (its status and every error by line and field) is shown.
import { DownloadOutlined, InboxOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Form, Progress, Radio, Select, Space, Typography, Upload } from "antd";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { ImportMode } from "../../gql/graphql";
import { MutationError, importFile, payload } from "../../shared/api";
import { IMPORT_MODE } from "../labels";
import { labelOf } from "../../shared/labels";
import { RowErrorsTable, UploadResult, type BatchAnswer } from "./UploadResult";

const ReadingsImport = graphql(`
  mutation PortalReadingsImport($key: String!, $mode: ImportMode) {
    readingsImport(key: $key, mode: $mode) {
      batch { id status mode encoding rowsTotal rowsLoaded errors { line field message code } }
      errors { field message code }
    }
  }
`);

const OwnReceiptsImport = graphql(`
  mutation PortalOwnReceiptsImport($key: String!, $mode: ImportMode, $encoding: String) {
    ownReceiptsImport(key: $key, mode: $mode, encoding: $encoding) {
      batch { id status mode encoding rowsTotal rowsLoaded errors { line field message code } }
      errors { field message code }
    }
  }
`);

/** The principal's imports this form sends: each kind's file, then its mutation with the key. */
async function importBatch(
  kind: Props["kind"],
  file: File,
  mode: ImportMode,
  fields: Record<string, string>,
  onProgress: (percent: number) => void,
): Promise<BatchAnswer | null | undefined> {
  if (kind === "readings") {
    return payload(await importFile(kind, file, ReadingsImport, { mode }, onProgress)).batch;
  }
  return payload(await importFile(kind, file, OwnReceiptsImport, { mode, encoding: fields.encoding }, onProgress)).batch;
}

interface Props {
  kind: "readings" | "own-receipts";
  /** the server's example file (GET /uploads/<kind>/template) is offered for download */
  template?: boolean;
  /** other form fields sent with the file (e.g. the encoding), rendered above the mode */
  extra?: { name: string; label: string; options: { value: string; label: string }[]; initial: string }[];
  help: ReactNode;
  /** queries to refetch after an upload */
  invalidate?: string[];
}

export function FileUpload({ kind, template = true, extra = [], help, invalidate = [] }: Props) {
  const [fields, setFields] = useState<Record<string, string>>(() => Object.fromEntries(extra.map((e) => [e.name, e.initial])));
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<ImportMode>("VALIDATE");
  const [percent, setPercent] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<BatchAnswer | null>(null);
  const [refusal, setRefusal] = useState<MutationError | Error | null>(null);
  const client = useQueryClient();
  const { t } = useTranslation("portal");

  const send = async () => {
    if (!file) return;
    setBusy(true);
    setResult(null);
    setRefusal(null);
    setPercent(0);
    try {
      setResult((await importBatch(kind, file, mode, fields, setPercent)) ?? null);
      await Promise.all(invalidate.map((name) => client.invalidateQueries({ queryKey: [name] })));
    } catch (exc) {
      setRefusal(exc instanceof Error ? exc : new Error(String(exc)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Paragraph style={{ margin: 0 }}>{help}</Typography.Paragraph>
      {template && (
        <div>
          <Button icon={<DownloadOutlined />} href={`/uploads/${kind}/template`} download>
            {t("upload.downloadTemplate")}
          </Button>
        </div>
      )}
      <Form layout="vertical" onFinish={send}>
        <Form.Item label={t("upload.file")} required>
          <Upload.Dragger
            accept=".csv,.xlsx,.txt"
            maxCount={1}
            beforeUpload={(f) => {
              setFile(f);
              setResult(null);
              setRefusal(null);
              setPercent(null);
              return false;
            }}
            onRemove={() => setFile(null)}
            fileList={file ? [{ uid: "file", name: file.name, status: "done" }] : []}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p>{t("upload.drop")}</p>
          </Upload.Dragger>
        </Form.Item>
        {extra.map((e) => (
          <Form.Item key={e.name} label={e.label}>
            <Select
              aria-label={e.label}
              value={fields[e.name]}
              onChange={(v) => setFields((f) => ({ ...f, [e.name]: v }))}
              options={e.options}
              style={{ width: 240 }}
            />
          </Form.Item>
        ))}
        <Form.Item label={t("upload.mode")}>
          <Radio.Group value={mode} onChange={(e) => setMode(e.target.value)} aria-label={t("upload.mode")}>
            <Space orientation="vertical">
              <Radio value="VALIDATE">{t("upload.modeValidate", { mode: labelOf(t, IMPORT_MODE, "VALIDATE") })}</Radio>
              <Radio value="ALL_OR_NOTHING">{t("upload.modeAllOrNothing", { mode: labelOf(t, IMPORT_MODE, "ALL_OR_NOTHING") })}</Radio>
              <Radio value="GOOD_ROWS">{t("upload.modeGoodRows", { mode: labelOf(t, IMPORT_MODE, "GOOD_ROWS") })}</Radio>
            </Space>
          </Radio.Group>
        </Form.Item>
        <Button type="primary" htmlType="submit" disabled={!file} loading={busy}>
          {t("upload.submit")}
        </Button>
      </Form>
      {percent !== null && (busy || !result) && !refusal && (
        <Progress percent={percent} status={busy ? "active" : "normal"} aria-label={t("upload.progress")} />
      )}
      {busy && percent === 100 && <Typography.Text type="secondary">{t("upload.checking")}</Typography.Text>}
      {refusal && (
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Alert type="error" showIcon role="alert" title={t("upload.refused")} description={refusal.message} />
          {refusal instanceof MutationError && refusal.errors.length > 1 && (
            <RowErrorsTable errors={refusal.errors.map((e) => ({ line: null, field: e.field, message: e.message }))} />
          )}
        </Space>
      )}
      {result && <UploadResult batch={result} />}
    </Space>
  );
}
