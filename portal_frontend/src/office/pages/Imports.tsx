// «Реестры платежей»: upload a bank registry or a 1C statement, follow a background import, read the history.
import { InboxOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Checkbox, Form, Progress, Radio, Select, Space, Table, Tag, Typography, Upload } from "antd";
import type { UploadFile } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { ImportMode, PaymentImportKind, PaymentImportStatus } from "../../gql/graphql";
import { MutationError, importFile, payload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { ScrollRegion } from "../../shared/ScrollRegion";
import { formatDateTime, formatMoney } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { useCan } from "../../shared/auth";
import { labelOf } from "../../shared/labels";
import { ErrorBanner, IMPORT_PHASE, IMPORT_STATUS, PageTitle, errorText, type OfficeKey } from "../common";

const ImportsQuery = graphql(`
  query OfficePaymentImports($kind: PaymentImportKind, $first: Int, $after: String) {
    paymentImports(kind: $kind, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id kind layout filename status phase rowsTotal rowsPosted amountTotal amountPosted
        matched ambiguous unmatched duplicates rowsRejected mode createdAt finishedAt
        errors { line field message code }
      }
    }
  }
`);

/** The presets of billing_core/registry_formats.py. */
const LAYOUTS: { value: string; label: OfficeKey }[] = [
  { value: "sber_standard", label: "imports.layouts.sber_standard" },
  { value: "generic_csv_utf8", label: "imports.layouts.generic_csv_utf8" },
];

/** A registry upload's modes (payments.models.ImportMode), as a principal's uploads offer them. */
const MODES: { value: ImportMode; label: OfficeKey }[] = [
  { value: "VALIDATE", label: "imports.modes.validate" },
  { value: "ALL_OR_NOTHING", label: "imports.modes.all_or_nothing" },
  { value: "GOOD_ROWS", label: "imports.modes.good_rows" },
];

const RegistryImport = graphql(`
  mutation OfficePaymentRegistryImport($key: String!, $layout: String, $mode: ImportMode, $background: Boolean) {
    paymentRegistryImport(key: $key, layout: $layout, mode: $mode, background: $background) {
      paymentImport {
        id filename status phase rowsTotal rowsPosted amountTotal amountPosted
        matched ambiguous unmatched duplicates rowsRejected errors { line field message code }
      }
      errors { field message code }
    }
  }
`);

const StatementImport = graphql(`
  mutation OfficeBankStatementImport($key: String!) {
    bankStatementImport(key: $key) {
      paymentImport {
        id filename status phase rowsTotal rowsPosted amountTotal amountPosted
        matched ambiguous unmatched duplicates rowsRejected errors { line field message code }
      }
      errors { field message code }
    }
  }
`);

/** The import the mutations answer (the history's rows carry the same fields and more). */
interface ImportResult {
  id: string;
  filename: string;
  status: PaymentImportStatus;
  phase: string;
  rowsTotal: number;
  rowsPosted: number;
  amountTotal: string;
  amountPosted: string;
  matched: number;
  ambiguous: number;
  unmatched: number;
  duplicates: number;
  rowsRejected?: number;
  errors: ImportError[];
}

interface ImportError {
  line?: number | null;
  field?: string | null;
  message: string;
  code: string;
}

export default function ImportsPage() {
  const { t } = useTranslation("office");
  const canManage = useCan("PAYMENTS_MANAGE");
  const cursor = useCursorPages(20);
  const [kind, setKind] = useState<PaymentImportKind | undefined>();
  const [last, setLast] = useState<ImportResult | null>(null);
  const history = useGql(
    ImportsQuery,
    { kind, first: cursor.first, after: cursor.after },
    {
      refetchInterval: (q) =>
        q.state.data?.paymentImports.nodes.some((n) => n.status === "STAGED") ? 1500 : false,
    },
  );
  const data = history.data?.paymentImports;
  const staged = (data?.nodes ?? []).filter((n) => n.status === "STAGED");

  return (
    <>
      <PageTitle>{t("imports.title")}</PageTitle>
      {canManage && (
        <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(340px, 1fr))", gap: 16, marginBottom: 16 }}>
          <UploadCard
            title={t("imports.registry")}
            fileLabel={t("imports.registryFile")}
            withLayout
            onDone={(r) => {
              setLast(r);
              history.refetch();
            }}
          />
          <UploadCard
            title={t("imports.statement")}
            fileLabel={t("imports.statementFile")}
            onDone={(r) => {
              setLast(r);
              history.refetch();
            }}
          />
        </div>
      )}
      {last && <ImportOutcome result={last} />}
      {staged.map((n) => (
        <Card key={n.id} size="small" title={t("imports.stagedTitle", { filename: n.filename })} style={{ marginBottom: 16 }}>
          <Typography.Text>
            {t("imports.stagedProgress", {
              phase: labelOf(t, IMPORT_PHASE, n.phase),
              posted: n.rowsPosted,
              total: n.rowsTotal || "?",
            })}
          </Typography.Text>
          <Progress
            percent={n.rowsTotal ? Math.round((n.rowsPosted / n.rowsTotal) * 100) : 0}
            status="active"
            aria-label={t("imports.postingLabel", { filename: n.filename })}
          />
        </Card>
      ))}
      <Card
        title={t("imports.history")}
        extra={
          <Select
            aria-label={t("imports.kindLabel")}
            placeholder={t("imports.allFiles")}
            allowClear
            style={{ width: 200 }}
            value={kind}
            onChange={(v) => {
              setKind(v);
              cursor.reset();
            }}
            options={[
              { value: "REGISTRY", label: t("imports.registries") },
              { value: "STATEMENT", label: t("imports.statements") },
            ]}
          />
        }
      >
        <QueryState loading={false} error={history.error} retry={() => history.refetch()}>
          <ScrollRegion label={t("imports.history")}>
          <Table
            rowKey="id"
            loading={history.isLoading}
            dataSource={data?.nodes ?? []}
            pagination={false}
            expandable={{
              rowExpandable: (r) => r.errors.length > 0,
              expandedRowRender: (r) => <ErrorsTable errors={r.errors} />,
            }}
            columns={[
              { title: t("imports.columns.file"), dataIndex: "filename" },
              { title: t("imports.columns.layout"), dataIndex: "layout" },
              { title: t("imports.columns.uploaded"), dataIndex: "createdAt", render: formatDateTime },
              {
                title: t("common.status"),
                dataIndex: "status",
                render: (s: PaymentImportStatus, r) => (
                  <Space orientation="vertical" size={0}>
                    <Tag color={IMPORT_STATUS[s].color}>{t(IMPORT_STATUS[s].label)}</Tag>
                    {s === "STAGED" && <Typography.Text type="secondary">{labelOf(t, IMPORT_PHASE, r.phase)}</Typography.Text>}
                  </Space>
                ),
              },
              {
                title: t("imports.columns.rows"),
                key: "rows",
                render: (_, r) => t("imports.columns.rowsValue", { posted: r.rowsPosted, total: r.rowsTotal }),
              },
              { title: t("imports.columns.amount"), dataIndex: "amountPosted", align: "right", render: formatMoney },
              { title: t("imports.columns.matched"), dataIndex: "matched", align: "right" },
              { title: t("imports.columns.ambiguous"), dataIndex: "ambiguous", align: "right" },
              { title: t("imports.columns.unmatched"), dataIndex: "unmatched", align: "right" },
              { title: t("imports.columns.duplicates"), dataIndex: "duplicates", align: "right" },
              {
                title: t("imports.columns.errors"),
                key: "errors",
                align: "right",
                render: (_, r) => (r.errors.length ? <Tag color="red">{r.errors.length}</Tag> : 0),
              },
            ]}
          />
          </ScrollRegion>
          <CursorPager
            pages={cursor}
            totalCount={data?.totalCount}
            hasNextPage={data?.pageInfo.hasNextPage}
            endCursor={data?.pageInfo.endCursor}
            loading={history.isFetching}
          />
        </QueryState>
      </Card>
    </>
  );
}

function UploadCard(props: {
  title: string;
  fileLabel: string;
  /** a bank registry (its layout, mode and the choice of a background import), or else a 1C statement */
  withLayout?: boolean;
  onDone: (result: ImportResult) => void;
}) {
  const { t } = useTranslation("office");
  const [form] = Form.useForm();
  const { message } = App.useApp();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [percent, setPercent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<ImportError[]>([]);
  const id = `office-upload-${props.withLayout ? "payment-registry" : "bank-statement"}`;

  const submit = async (values: { layout?: string; background?: boolean; mode?: ImportMode }) => {
    const file = files[0]?.originFileObj;
    if (!file) {
      setError(t("imports.chooseFile"));
      return;
    }
    setError(null);
    setFieldErrors([]);
    setPercent(0);
    try {
      const answer = props.withLayout
        ? (
            await importFile(
              "payment-registry",
              file,
              RegistryImport,
              { layout: values.layout ?? "", mode: values.mode ?? "ALL_OR_NOTHING", background: !!values.background },
              setPercent,
            )
          ).paymentRegistryImport
        : (await importFile("bank-statement", file, StatementImport, {}, setPercent)).bankStatementImport;
      const result = answer?.paymentImport;
      if (result) {
        // an import queued and then refused by the broker comes with an error too: the history shows its end
        props.onDone(result);
        setFiles([]);
        if (result.status === "POSTED") message.success(t("imports.posted", { filename: result.filename }));
        else if (result.status === "REJECTED") message.error(t("imports.rejected", { filename: result.filename }));
        else if (result.status === "VALIDATED") message.info(t("imports.validated", { filename: result.filename }));
        else message.info(t("imports.queued", { filename: result.filename }));
      }
      payload({ answer });
    } catch (exc) {
      if (exc instanceof MutationError) {
        const onLayout = exc.errors.filter((e) => e.field === "layout");
        form.setFields(onLayout.map((e) => ({ name: "layout", errors: [e.message] })));
        setFieldErrors(exc.errors.filter((e) => e.field !== "layout"));
        setError(exc.errors.filter((e) => e.field !== "layout").length ? t("imports.notAccepted") : null);
      } else {
        setError(errorText(exc));
      }
    } finally {
      setPercent(null);
    }
  };

  return (
    <Card title={props.title}>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      {fieldErrors.length > 0 && <ErrorsTable errors={fieldErrors} />}
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ layout: "sber_standard", background: false, mode: "ALL_OR_NOTHING" }}>
        {props.withLayout && (
          <Form.Item label={t("imports.layout")} name="layout" rules={[{ required: true, message: t("imports.layoutRequired") }]}>
            <Select options={LAYOUTS.map((l) => ({ value: l.value, label: t(l.label) }))} />
          </Form.Item>
        )}
        <Form.Item label={props.fileLabel} htmlFor={id} required>
          <Upload.Dragger
            id={id}
            fileList={files}
            maxCount={1}
            beforeUpload={() => false}
            onChange={({ fileList }) => setFiles(fileList.slice(-1))}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p>{t("imports.dragHint")}</p>
          </Upload.Dragger>
        </Form.Item>
        {props.withLayout && (
          <Form.Item label={t("imports.mode")} name="mode">
            <Radio.Group aria-label={t("imports.mode")}>
              <Space orientation="vertical">
                {MODES.map((m) => (
                  <Radio key={m.value} value={m.value}>
                    {t(m.label)}
                  </Radio>
                ))}
              </Space>
            </Radio.Group>
          </Form.Item>
        )}
        {props.withLayout && (
          <Form.Item name="background" valuePropName="checked">
            <Checkbox>{t("imports.background")}</Checkbox>
          </Form.Item>
        )}
        {percent !== null && <Progress percent={percent} aria-label={t("imports.transfer")} />}
        {/* two forms on the page: the name says which file the button sends */}
        <Button type="primary" htmlType="submit" loading={percent !== null} aria-label={t("imports.uploadOf", { what: props.title })}>
          {t("imports.upload")}
        </Button>
      </Form>
    </Card>
  );
}

export function ImportOutcome({ result }: { result: ImportResult }) {
  const { t } = useTranslation("office");
  const status = result.status;
  const type = status === "POSTED" ? (result.rowsRejected ? "warning" : "success") : status === "REJECTED" ? "error" : "info";
  return (
    <Alert
      type={type}
      role={type === "error" ? "alert" : "status"}
      showIcon
      style={{ marginBottom: 16 }}
      title={t("imports.outcome.title", {
        filename: result.filename,
        status: t(IMPORT_STATUS[status].label),
      })}
      description={
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Typography.Text>
            {t("imports.outcome.rows", {
              posted: result.rowsPosted,
              total: result.rowsTotal,
              amountPosted: formatMoney(result.amountPosted),
              amountTotal: formatMoney(result.amountTotal),
            })}
          </Typography.Text>
          <Space wrap>
            <Tag color="green">{t("imports.outcome.matched", { value: result.matched })}</Tag>
            <Tag color="orange">{t("imports.outcome.ambiguous", { value: result.ambiguous })}</Tag>
            <Tag color="red">{t("imports.outcome.unmatched", { value: result.unmatched })}</Tag>
            <Tag>{t("imports.outcome.duplicates", { value: result.duplicates })}</Tag>
            <Tag color={result.errors.length ? "red" : undefined}>{t("imports.outcome.errors", { value: result.errors.length })}</Tag>
            {!!result.rowsRejected && <Tag color="red">{t("imports.outcome.rejectedRows", { value: result.rowsRejected })}</Tag>}
          </Space>
          {result.errors.length > 0 && <ErrorsTable errors={result.errors} />}
        </Space>
      }
    />
  );
}

function ErrorsTable({ errors }: { errors: ImportError[] }) {
  const { t } = useTranslation("office");
  return (
    <Table
      size="small"
      rowKey={(_, i) => String(i)}
      pagination={errors.length > 20 ? { pageSize: 20 } : false}
      dataSource={errors}
      columns={[
        { title: t("imports.errors.line"), dataIndex: "line", render: (v: number | null) => v ?? t("imports.errors.wholeFile") },
        { title: t("imports.errors.field"), dataIndex: "field", render: (v: string | null) => v || "—" },
        { title: t("imports.errors.error"), dataIndex: "message" },
      ]}
    />
  );
}
