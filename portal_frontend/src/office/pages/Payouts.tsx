// «Перечисления»: a business day's payouts built, approved, exported to 1C, and confirmed by the bank's statement.
import { DownloadOutlined, UploadOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, DatePicker, Form, List, Space, Statistic, Table, Tag, Tooltip, Typography, Upload } from "antd";
import type { UploadFile } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { OfficePayoutConfirmationImportMutation, OfficePayoutsQuery } from "../../gql/graphql";
import { gqlRequest, importFile, payload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatDateTime, formatMoney, fromKopecks, toKopecks } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { DeadlineCell, ErrorBanner, PAYOUT_STATUS, PageTitle, errorText, runShowingError, useCan } from "../common";
import { CalendarWarning } from "../CalendarWarning";

const PayoutsQuery = graphql(`
  query OfficePayouts($businessDay: Date, $first: Int, $after: String) {
    payouts(businessDay: $businessDay, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id principalName businessDay coversFrom coversTo gross fee net status orderNumber orderDate
        payeeAccount approvedAt exportedAt confirmedAt registerXlsxUrl registerCsvUrl
        builtBySchedule builtByName approvedByName approvalRefusal
        deadline deadlineState daysLate
      }
    }
  }
`);

// the `payouts` query's largest page (graphql_api/core/pagination.py MAX_PAGE)
const PAGE_MAX = 100;
// the table pages on the client beyond this many rows; approve-all, export and the totals cover the whole day
const TABLE_PAGE = 50;

type Payout = OfficePayoutsQuery["payouts"]["nodes"][number];

/** Every payout of a business day: a day may hold more than one page, so the cursor is followed to the end. */
async function fetchDay(businessDay: string): Promise<Payout[]> {
  const nodes: Payout[] = [];
  let after: string | null = null;
  for (;;) {
    const page: OfficePayoutsQuery = await gqlRequest(PayoutsQuery, { businessDay, first: PAGE_MAX, after });
    nodes.push(...page.payouts.nodes);
    const { hasNextPage, endCursor } = page.payouts.pageInfo;
    if (!hasNextPage || !endCursor) return nodes;
    after = endCursor;
  }
}

const LatestQuery = graphql(`
  query OfficePayoutsLatest {
    payouts(first: 100) { nodes { id businessDay } }
  }
`);

const BuildMutation = graphql(`
  mutation OfficePayoutsBuild($businessDay: Date!) {
    payoutsBuild(businessDay: $businessDay) {
      errors { field message code }
      build {
        businessDay coversFrom coversTo builtNow gross fee net
        skipped { principalId name reason gross message }
      }
    }
  }
`);

const ApproveMutation = graphql(`
  mutation OfficePayoutApprove($ids: [ID!]!) {
    payoutApprove(ids: $ids) { errors { field message code } payouts { id status } }
  }
`);

const ExportMutation = graphql(`
  mutation OfficePayoutsExport($businessDay: Date, $payoutIds: [ID!]) {
    payoutsExport(businessDay: $businessDay, payoutIds: $payoutIds) {
      errors { field message code }
      ordersCount totalNet ordersFileUrl
      payouts { id principalName net orderNumber registerXlsxUrl registerCsvUrl deadline deadlineState daysLate }
    }
  }
`);

interface ExportResult {
  ordersCount?: number | null;
  totalNet?: string | null;
  ordersFileUrl?: string | null;
  payouts?: {
    id: string;
    principalName: string;
    net: string;
    orderNumber?: number | null;
    registerXlsxUrl?: string | null;
    registerCsvUrl?: string | null;
    deadline: string;
    deadlineState: string;
    daysLate: number;
  }[] | null;
}

const PayoutConfirmationImport = graphql(`
  mutation OfficePayoutConfirmationImport($key: String!) {
    payoutConfirmationImport(key: $key) {
      confirmation {
        confirmed already notInStatement
        mismatches { payoutId number line fields { field expected actual } }
        unknown { number date amount payeeAccount line }
      }
      errors { field message code }
    }
  }
`);

type ConfirmReport = NonNullable<OfficePayoutConfirmationImportMutation["payoutConfirmationImport"]>["confirmation"];

export default function PayoutsPage() {
  const { t } = useTranslation("office");
  const canManage = useCan("PAYMENTS_MANAGE");
  const { message } = App.useApp();
  const latest = useGql(LatestQuery);
  const [day, setDay] = useState<Dayjs | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [built, setBuilt] = useState<string | null>(null);
  const [skipped, setSkipped] = useState<{ name: string; message: string }[]>([]);
  const [exported, setExported] = useState<ExportResult | null>(null);

  useEffect(() => {
    if (day || !latest.data) return;
    // the newest hundred payouts (the server lists newest first); the latest business day among them
    const days = latest.data.payouts.nodes.map((p) => p.businessDay).sort();
    setDay(days.length ? dayjs(days[days.length - 1]) : dayjs());
  }, [latest.data, day]);

  const businessDay = day ? day.format("YYYY-MM-DD") : null;
  // keyed under the operation's name, so the mutations' invalidation of "OfficePayouts" refetches it
  const payouts = useQuery<Payout[], Error>({
    queryKey: ["OfficePayouts", { businessDay, all: true }],
    queryFn: () => fetchDay(businessDay!),
    enabled: Boolean(businessDay),
  });
  const build = useGqlMutation(BuildMutation, ["OfficePayouts", "OfficePayoutsLatest"]);
  const approve = useGqlMutation(ApproveMutation, ["OfficePayouts"]);
  const exportDay = useGqlMutation(ExportMutation, ["OfficePayouts"]);
  const rows = payouts.data ?? [];
  const created = rows.filter((p) => p.status === "CREATED");
  // four eyes: the server says, per payout, why this person may not approve it (its builder, or not an approver)
  const approvable = created.filter((p) => !p.approvalRefusal);
  // none of the day's payouts is this person's to approve: one banner says why, instead of every row
  const refusals = [...new Set(created.map((p) => p.approvalRefusal).filter(Boolean))];
  const noneApprovable = created.length > 0 && !approvable.length;
  const approved = rows.filter((p) => p.status === "APPROVED");
  // ПП 253 п.6: late, or still not exported after the cut-off on the deadline day
  const overdue = rows.filter((p) => p.deadlineState === "LATE" || p.deadlineState === "AT_RISK");
  // the day's totals, exact in kopecks
  const totals = { gross: 0, fee: 0, net: 0 };
  for (const p of rows) {
    totals.gross += toKopecks(p.gross);
    totals.fee += toKopecks(p.fee);
    totals.net += toKopecks(p.net);
  }

  const choose = (value: Dayjs | null) => {
    setDay(value);
    setBuilt(null);
    setSkipped([]);
    setExported(null);
    setError(null);
  };

  const run = (action: () => Promise<void>) => runShowingError(setError, action);

  const doBuild = () =>
    run(async () => {
      const r = payload(await build.mutateAsync({ businessDay: businessDay! })).build;
      if (!r) return;
      const values = {
        day: formatDate(r.businessDay),
        from: formatDate(r.coversFrom),
        to: formatDate(r.coversTo),
        gross: formatMoney(r.gross),
        fee: formatMoney(r.fee),
        net: formatMoney(r.net),
      };
      setBuilt(r.builtNow ? t("payouts.builtNow", values) : t("payouts.builtBefore", values));
      setSkipped(r.skipped.map((s) => ({ name: s.name, message: s.message })));
    });

  const doApprove = (ids: string[]) =>
    run(async () => {
      payload(await approve.mutateAsync({ ids }));
      message.success(ids.length > 1 ? t("payouts.approvedMany") : t("payouts.approvedOne"));
    });

  const doExport = () =>
    run(async () => {
      const r = payload(await exportDay.mutateAsync({ businessDay }));
      setExported(r);
      // the orders are dated today: past a payout's deadline the bank gets them late, so say so at once
      const late = (r.payouts ?? []).filter((p) => p.deadlineState === "LATE");
      if (late.length) message.warning(t("payouts.deadline.exportedLate", { count: late.length }));
      else message.success(t("payouts.exported"));
    });

  return (
    <>
      <PageTitle>{t("payouts.title")}</PageTitle>
      <CalendarWarning />
      <Card style={{ marginBottom: 16 }}>
        <Space wrap align="end">
          <Form layout="inline">
            <Form.Item label={t("payouts.businessDay")} htmlFor="office-payout-day">
              <DatePicker id="office-payout-day" format="DD.MM.YYYY" value={day} onChange={choose} allowClear={false} />
            </Form.Item>
          </Form>
          {canManage && (
            <>
              <Button type="primary" onClick={doBuild} loading={build.isPending} disabled={!businessDay}>
                {t("payouts.build")}
              </Button>
              <Tooltip title={noneApprovable ? (refusals.length === 1 ? refusals[0] : t("payouts.approveNone")) : undefined}>
                <Button onClick={() => doApprove(approvable.map((p) => p.id))} loading={approve.isPending} disabled={!approvable.length}>
                  {t("payouts.approveAll")}
                </Button>
              </Tooltip>
              <Button onClick={doExport} loading={exportDay.isPending} disabled={!approved.length}>
                {t("payouts.export")}
              </Button>
            </>
          )}
        </Space>
      </Card>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      {built && <Alert type="success" showIcon title={built} style={{ marginBottom: 16 }} role="status" />}
      {canManage && noneApprovable && (
        <Alert
          type="info"
          showIcon
          title={refusals.length === 1 ? refusals[0] : t("payouts.approveNone")}
          style={{ marginBottom: 16 }}
        />
      )}
      {skipped.length > 0 && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t("payouts.skippedTitle")}
          description={
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {skipped.map((s) => (
                <li key={s.name}>
                  {s.name}: {s.message}
                </li>
              ))}
            </ul>
          }
        />
      )}
      {overdue.length > 0 && (
        <Alert
          type={overdue.some((p) => p.deadlineState === "LATE") ? "error" : "warning"}
          showIcon
          style={{ marginBottom: 16 }}
          title={t("payouts.deadline.banner", { count: overdue.length })}
          description={t("payouts.deadline.hint")}
        />
      )}
      {exported && <ExportOutcome result={exported} />}
      <Card title={businessDay ? t("payouts.forDay", { day: formatDate(businessDay) }) : t("payouts.title")} style={{ marginBottom: 16 }}>
        <QueryState loading={false} error={latest.error ?? payouts.error} retry={() => payouts.refetch()}>
          <Table
            rowKey="id"
            loading={latest.isLoading || payouts.isLoading}
            dataSource={rows}
            pagination={rows.length > TABLE_PAGE ? { pageSize: TABLE_PAGE, showSizeChanger: false } : false}
            scroll={{ x: true }}
            locale={{ emptyText: t("payouts.empty") }}
            summary={() =>
              rows.length ? (
                <Table.Summary.Row>
                  <Table.Summary.Cell index={0} colSpan={3}>
                    {t("payouts.total")}
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={3} align="right">
                    {formatMoney(fromKopecks(totals.gross))}
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={4} align="right">
                    {formatMoney(fromKopecks(totals.fee))}
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={5} align="right">
                    {formatMoney(fromKopecks(totals.net))}
                  </Table.Summary.Cell>
                  <Table.Summary.Cell index={6} colSpan={4} />
                </Table.Summary.Row>
              ) : null
            }
            columns={[
              { title: t("payouts.columns.principal"), dataIndex: "principalName" },
              {
                title: t("payouts.columns.covers"),
                key: "covers",
                render: (_, p) => `${formatDate(p.coversFrom)} — ${formatDate(p.coversTo)}`,
              },
              {
                title: t("payouts.columns.deadline"),
                key: "deadline",
                render: (_, p) => <DeadlineCell deadline={p.deadline} state={p.deadlineState} daysLate={p.daysLate} />,
              },
              { title: t("payouts.columns.gross"), dataIndex: "gross", align: "right", render: formatMoney },
              { title: t("payouts.columns.fee"), dataIndex: "fee", align: "right", render: formatMoney },
              { title: t("payouts.columns.net"), dataIndex: "net", align: "right", render: formatMoney },
              {
                title: t("common.status"),
                dataIndex: "status",
                render: (s: string, p) => (
                  <Space orientation="vertical" size={0}>
                    <Tag color={PAYOUT_STATUS[s]?.color}>{PAYOUT_STATUS[s] ? t(PAYOUT_STATUS[s].label) : s}</Tag>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {formatDateTime(p.confirmedAt ?? p.exportedAt ?? p.approvedAt)}
                    </Typography.Text>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {p.builtBySchedule ? t("payouts.builtBySchedule") : t("payouts.builtBy", { name: p.builtByName ?? "—" })}
                    </Typography.Text>
                    {p.approvedByName && (
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {t("payouts.approvedBy", { name: p.approvedByName })}
                      </Typography.Text>
                    )}
                  </Space>
                ),
              },
              {
                title: t("payouts.columns.order"),
                key: "order",
                render: (_, p) =>
                  p.orderNumber ? t("payouts.orderValue", { number: p.orderNumber, date: formatDate(p.orderDate) }) : "—",
              },
              {
                title: t("payouts.columns.register"),
                key: "register",
                render: (_, p) => <RegisterLinks name={p.principalName} xlsx={p.registerXlsxUrl} csv={p.registerCsvUrl} />,
              },
              ...(canManage
                ? [
                    {
                      title: t("common.actions"),
                      key: "actions",
                      render: (_: unknown, p: Payout) =>
                        p.status === "CREATED" ? (
                          <Space orientation="vertical" size={0}>
                            <Tooltip title={p.approvalRefusal ?? undefined}>
                              <Button
                                size="small"
                                onClick={() => doApprove([p.id])}
                                disabled={Boolean(p.approvalRefusal)}
                                aria-label={t("payouts.approveLabel", { name: p.principalName })}
                              >
                                {t("payouts.approve")}
                              </Button>
                            </Tooltip>
                            {p.approvalRefusal && !noneApprovable && (
                              <Typography.Text type="secondary" style={{ fontSize: 12, maxWidth: 260, display: "inline-block" }}>
                                {p.approvalRefusal}
                              </Typography.Text>
                            )}
                          </Space>
                        ) : null,
                    },
                  ]
                : []),
            ]}
          />
        </QueryState>
      </Card>
      {canManage && <ConfirmationCard onDone={() => payouts.refetch()} />}
    </>
  );
}

function RegisterLinks({ name, xlsx, csv }: { name: string; xlsx?: string | null; csv?: string | null }) {
  const { t } = useTranslation("office");
  if (!xlsx && !csv) return <>—</>;
  return (
    <Space>
      {xlsx && (
        <a href={xlsx} aria-label={t("payouts.registerXlsx", { name })}>
          <DownloadOutlined /> XLSX
        </a>
      )}
      {csv && (
        <a href={csv} aria-label={t("payouts.registerCsv", { name })}>
          <DownloadOutlined /> CSV
        </a>
      )}
    </Space>
  );
}

function ExportOutcome({ result }: { result: ExportResult }) {
  const { t } = useTranslation("office");
  return (
    <Card title={t("payouts.exportResult.title")} style={{ marginBottom: 16 }}>
      <Space wrap size="large" style={{ marginBottom: 12 }}>
        <Statistic title={t("payouts.exportResult.orders")} value={result.ordersCount ?? 0} />
        <Statistic title={t("payouts.exportResult.amount")} value={formatMoney(result.totalNet)} />
      </Space>
      <div style={{ marginBottom: 12 }}>
        {result.ordersFileUrl ? (
          <a href={result.ordersFileUrl}>
            <DownloadOutlined /> {t("payouts.exportResult.file")}
          </a>
        ) : (
          <Typography.Text type="secondary">{t("payouts.exportResult.noFile")}</Typography.Text>
        )}
      </div>
      <List
        size="small"
        header={t("payouts.exportResult.registers")}
        dataSource={result.payouts ?? []}
        renderItem={(p) => (
          <List.Item>
            <Space wrap>
              <span>
                {p.principalName}, {p.orderNumber ? t("payouts.exportResult.order", { number: p.orderNumber }) : ""}
                {formatMoney(p.net)}
              </span>
              <RegisterLinks name={p.principalName} xlsx={p.registerXlsxUrl} csv={p.registerCsvUrl} />
            </Space>
          </List.Item>
        )}
      />
    </Card>
  );
}

function ConfirmationCard({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation("office");
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [percent, setPercent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<ConfirmReport>(null);

  const send = async () => {
    const file = files[0]?.originFileObj;
    if (!file) {
      setError(t("payouts.confirmation.chooseFile"));
      return;
    }
    setError(null);
    setReport(null);
    setPercent(0);
    try {
      const answer = payload(await importFile("payout-confirmation", file, PayoutConfirmationImport, {}, setPercent));
      setReport(answer.confirmation);
      setFiles([]);
      onDone();
    } catch (exc) {
      setError(errorText(exc));
    } finally {
      setPercent(null);
    }
  };

  return (
    <Card title={t("payouts.confirmation.title")}>
      <Typography.Paragraph type="secondary">
        {t("payouts.confirmation.hint")}
      </Typography.Paragraph>
      <ErrorBanner message={error} onClose={() => setError(null)} />
      <Space wrap align="start">
        <Upload fileList={files} maxCount={1} beforeUpload={() => false} onChange={({ fileList }) => setFiles(fileList.slice(-1))}>
          <Button icon={<UploadOutlined />}>{t("payouts.confirmation.choose")}</Button>
        </Upload>
        <Button type="primary" onClick={send} loading={percent !== null}>
          {t("payouts.confirmation.upload")}
        </Button>
      </Space>
      {report && (
        <Alert
          style={{ marginTop: 16 }}
          type={report.mismatches.length || report.unknown.length || report.notInStatement.length ? "warning" : "success"}
          showIcon
          title={t("payouts.confirmation.summary", { confirmed: report.confirmed.length, already: report.already.length })}
          description={
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {report.notInStatement.length > 0 && (
                <li>{t("payouts.confirmation.notInStatement", { ids: report.notInStatement.join(", ") })}</li>
              )}
              {report.mismatches.map((m) => (
                <li key={`m${m.line}`}>
                  {t("payouts.confirmation.mismatch", { line: m.line, number: m.number, fields: m.fields.map((f) => f.field).join(", ") })}
                </li>
              ))}
              {report.unknown.map((u) => (
                <li key={`u${u.line}`}>
                  {t("payouts.confirmation.unknown", {
                    line: u.line,
                    number: u.number,
                    date: formatDate(u.date),
                    amount: formatMoney(u.amount),
                    account: u.payeeAccount,
                  })}
                </li>
              ))}
            </ul>
          }
        />
      )}
    </Card>
  );
}
