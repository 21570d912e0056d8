// «Реестры платежей»: upload a bank registry or a 1C statement, follow a background import, read the history.
import { InboxOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Checkbox, Form, Progress, Select, Space, Table, Tag, Typography, Upload } from "antd";
import type { UploadFile } from "antd";
import { useState } from "react";
import { graphql } from "../../gql";
import type { PaymentImportKind } from "../../gql/graphql";
import { MutationError, upload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { ScrollRegion } from "../../shared/ScrollRegion";
import { formatDateTime, formatMoney } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { CursorPager, ErrorBanner, IMPORT_PHASE, IMPORT_STATUS, PageTitle, errorText, useCan, useCursor } from "../common";

const ImportsQuery = graphql(`
  query OfficePaymentImports($kind: PaymentImportKind, $first: Int, $after: String) {
    paymentImports(kind: $kind, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id kind layout filename status phase rowsTotal rowsPosted amountTotal amountPosted
        matched ambiguous unmatched duplicates createdAt finishedAt
        errors { line field message code }
      }
    }
  }
`);

/** The presets of billing_core/registry_formats.py. */
const LAYOUTS = [
  { value: "sber_standard", label: "Сбербанк: реестр платежей (;, Windows-1251, итог «=»)" },
  { value: "generic_csv_utf8", label: "Универсальный CSV (запятая, UTF-8, заголовок)" },
];

interface ImportResult {
  id: number | string;
  filename: string;
  status: string;
  phase: string;
  rowsTotal: number;
  rowsPosted: number;
  amountTotal: string;
  amountPosted: string;
  matched: number;
  ambiguous: number;
  unmatched: number;
  duplicates: number;
  errors: ImportError[];
}

interface ImportError {
  line?: number | null;
  field?: string | null;
  message: string;
  code: string;
}

export default function ImportsPage() {
  const canManage = useCan("PAYMENTS_MANAGE");
  const cursor = useCursor(20);
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
      <PageTitle>Реестры платежей</PageTitle>
      {canManage && (
        <div style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(340px, 1fr))", gap: 16, marginBottom: 16 }}>
          <UploadCard
            title="Реестр банка"
            fileLabel="Файл реестра"
            kind="payment-registry"
            withLayout
            onDone={(r) => {
              setLast(r);
              history.refetch();
            }}
          />
          <UploadCard
            title="Выписка банка (1С)"
            fileLabel="Файл выписки"
            kind="bank-statement"
            onDone={(r) => {
              setLast(r);
              history.refetch();
            }}
          />
        </div>
      )}
      {last && <ImportOutcome result={last} />}
      {staged.map((n) => (
        <Card key={n.id} size="small" title={`Загрузка «${n.filename}»`} style={{ marginBottom: 16 }}>
          <Typography.Text>
            Этап: {IMPORT_PHASE[n.phase] ?? n.phase}; проведено строк {n.rowsPosted} из {n.rowsTotal || "?"}
          </Typography.Text>
          <Progress
            percent={n.rowsTotal ? Math.round((n.rowsPosted / n.rowsTotal) * 100) : 0}
            status="active"
            aria-label={`Проведение «${n.filename}»`}
          />
        </Card>
      ))}
      <Card
        title="История загрузок"
        extra={
          <Select
            aria-label="Вид файла"
            placeholder="Все файлы"
            allowClear
            style={{ width: 200 }}
            value={kind}
            onChange={(v) => {
              setKind(v);
              cursor.reset();
            }}
            options={[
              { value: "REGISTRY", label: "Реестры" },
              { value: "STATEMENT", label: "Выписки" },
            ]}
          />
        }
      >
        <QueryState loading={false} error={history.error} retry={() => history.refetch()}>
          <ScrollRegion label="История загрузок">
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
              { title: "Файл", dataIndex: "filename" },
              { title: "Формат", dataIndex: "layout" },
              { title: "Загружен", dataIndex: "createdAt", render: formatDateTime },
              {
                title: "Статус",
                dataIndex: "status",
                render: (s: string, r) => (
                  <Space orientation="vertical" size={0}>
                    <Tag color={IMPORT_STATUS[s]?.color}>{IMPORT_STATUS[s]?.label ?? s}</Tag>
                    {s === "STAGED" && <Typography.Text type="secondary">{IMPORT_PHASE[r.phase] ?? r.phase}</Typography.Text>}
                  </Space>
                ),
              },
              { title: "Строк", key: "rows", render: (_, r) => `${r.rowsPosted} из ${r.rowsTotal}` },
              { title: "Сумма", dataIndex: "amountPosted", align: "right", render: formatMoney },
              { title: "Опознано", dataIndex: "matched", align: "right" },
              { title: "Неоднозначно", dataIndex: "ambiguous", align: "right" },
              { title: "Не опознано", dataIndex: "unmatched", align: "right" },
              { title: "Повторы", dataIndex: "duplicates", align: "right" },
              {
                title: "Ошибки",
                key: "errors",
                align: "right",
                render: (_, r) => (r.errors.length ? <Tag color="red">{r.errors.length}</Tag> : 0),
              },
            ]}
          />
          </ScrollRegion>
          <CursorPager
            cursor={cursor}
            total={data?.totalCount}
            hasNext={data?.pageInfo.hasNextPage}
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
  kind: string;
  withLayout?: boolean;
  onDone: (result: ImportResult) => void;
}) {
  const [form] = Form.useForm();
  const { message } = App.useApp();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [percent, setPercent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<ImportError[]>([]);
  const id = `office-upload-${props.kind}`;

  const submit = async (values: { layout?: string; background?: boolean }) => {
    const file = files[0]?.originFileObj;
    if (!file) {
      setError("Выберите файл.");
      return;
    }
    setError(null);
    setFieldErrors([]);
    setPercent(0);
    const fields: Record<string, string> = {};
    if (props.withLayout) fields.layout = values.layout ?? "";
    if (values.background) fields.background = "1";
    try {
      const result = await upload<ImportResult>(props.kind, file, fields, setPercent);
      props.onDone(result);
      setFiles([]);
      if (result.status === "posted") message.success(`Файл «${result.filename}» проведён`);
      else if (result.status === "rejected") message.error(`Файл «${result.filename}» отклонён`);
      else message.info(`Файл «${result.filename}» поставлен в очередь`);
    } catch (exc) {
      if (exc instanceof MutationError) {
        const onLayout = exc.errors.filter((e) => e.field === "layout");
        form.setFields(onLayout.map((e) => ({ name: "layout", errors: [e.message] })));
        setFieldErrors(exc.errors.filter((e) => e.field !== "layout"));
        setError(exc.errors.filter((e) => e.field !== "layout").length ? "Файл не принят." : null);
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
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ layout: "sber_standard", background: false }}>
        {props.withLayout && (
          <Form.Item label="Формат реестра" name="layout" rules={[{ required: true, message: "Выберите формат" }]}>
            <Select options={LAYOUTS} />
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
            <p>Перетащите файл сюда или нажмите, чтобы выбрать</p>
          </Upload.Dragger>
        </Form.Item>
        {props.withLayout && (
          <Form.Item name="background" valuePropName="checked">
            <Checkbox>Большой файл: провести в фоне</Checkbox>
          </Form.Item>
        )}
        {percent !== null && <Progress percent={percent} aria-label="Передача файла" />}
        <Button type="primary" htmlType="submit" loading={percent !== null}>
          Загрузить
        </Button>
      </Form>
    </Card>
  );
}

export function ImportOutcome({ result }: { result: ImportResult }) {
  const status = result.status.toLowerCase();
  const type = status === "posted" ? "success" : status === "rejected" ? "error" : "info";
  return (
    <Alert
      type={type}
      role={type === "error" ? "alert" : "status"}
      showIcon
      style={{ marginBottom: 16 }}
      title={`«${result.filename}»: ${IMPORT_STATUS[status]?.label ?? status}`}
      description={
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Typography.Text>
            Строк проведено: {result.rowsPosted} из {result.rowsTotal}; сумма {formatMoney(result.amountPosted)} из{" "}
            {formatMoney(result.amountTotal)}
          </Typography.Text>
          <Space wrap>
            <Tag color="green">Опознано: {result.matched}</Tag>
            <Tag color="orange">Неоднозначно: {result.ambiguous}</Tag>
            <Tag color="red">Не опознано: {result.unmatched}</Tag>
            <Tag>Повторы: {result.duplicates}</Tag>
            <Tag color={result.errors.length ? "red" : undefined}>Ошибки: {result.errors.length}</Tag>
          </Space>
          {result.errors.length > 0 && <ErrorsTable errors={result.errors} />}
        </Space>
      }
    />
  );
}

function ErrorsTable({ errors }: { errors: ImportError[] }) {
  return (
    <Table
      size="small"
      rowKey={(_, i) => String(i)}
      pagination={errors.length > 20 ? { pageSize: 20 } : false}
      dataSource={errors}
      columns={[
        { title: "Строка", dataIndex: "line", render: (v: number | null) => v ?? "файл" },
        { title: "Поле", dataIndex: "field", render: (v: string | null) => v || "—" },
        { title: "Ошибка", dataIndex: "message" },
      ]}
    />
  );
}
