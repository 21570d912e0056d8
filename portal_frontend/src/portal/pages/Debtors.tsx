// «Должники»: the register of the principal's debtors (a snapshot refreshed from the balances), its summary by
// stage of work and by age of the debt, filters, keyset pages and the refresh.
import { ReloadOutlined, RiseOutlined } from "@ant-design/icons";
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  Form,
  Input,
  InputNumber,
  Row,
  Select,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { graphql } from "../../gql";
import type { CollectionStage } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { StageTag, stageOptions } from "../../shared/collection";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { formatDate, formatDateTime, formatMoney, formatQuantity, fromKopecks, toKopecks } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import { useCan } from "../../shared/auth";
import { HouseSelect } from "../components/HouseSelect";
import { ReportButton } from "../components/ReportJob";

const DebtorsQuery = graphql(`
  query PortalDebtors(
    $first: Int, $after: String, $search: String, $houseId: ID, $stage: CollectionStage, $minDebt: Decimal,
    $minMonths: Int, $thresholdOnly: Boolean, $stopped: Boolean
  ) {
    debtors(
      first: $first, after: $after, search: $search, houseId: $houseId, stage: $stage, minDebt: $minDebt,
      minMonths: $minMonths, thresholdOnly: $thresholdOnly, stopped: $stopped
    ) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        accountNumber payerName address debt principalDebt penalties months maxMonthsOfNorm threshold
        lastPaidOn lastPaidAmount stage stageLabel keptAgreement stopped
      }
    }
  }
`);

const DebtorSummaryQuery = graphql(`
  query PortalDebtorSummary {
    debtorSummary {
      refreshedAt debtors debtTotal
      byStage { stage label count debt }
      byAge { bucket amount }
    }
  }
`);

const RegisterRefreshMutation = graphql(`
  mutation PortalCollectionRegisterRefresh {
    collectionRegisterRefresh {
      errors { field message code }
      debtors lines refreshedAt
    }
  }
`);

const rub = (kopecks: number) => formatMoney(fromKopecks(kopecks));

export default function DebtorsPage() {
  const { t } = useTranslation("portal");
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const houseId = params.get("house") ?? undefined;
  const houseName = params.get("houseName") ?? houseId ?? "";
  const stage = (params.get("stage") as CollectionStage | null) ?? null;
  const minDebt = params.get("minDebt");
  const minMonths = params.get("minMonths") ? Number(params.get("minMonths")) : null;
  const thresholdOnly = params.get("threshold") === "1";
  const stoppedParam = params.get("stopped");
  const stopped = stoppedParam === "yes" ? true : stoppedParam === "no" ? false : null;
  const pages = useCursorPages(20);
  const q = useGql(
    DebtorsQuery,
    {
      first: pages.first,
      after: pages.after,
      search: search || null,
      houseId: houseId ?? null,
      stage,
      minDebt: minDebt || null,
      minMonths,
      thresholdOnly: thresholdOnly || null,
      stopped,
    },
    { placeholderData: (prev) => prev },
  );
  const data = q.data?.debtors;
  const canExport = useCan("REPORTS_VIEW");
  const navigate = useNavigate();

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
    pages.reset();
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Space wrap style={{ justifyContent: "space-between", width: "100%" }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t("debtors.title")}
        </Typography.Title>
        <Space wrap align="start">
          <Button icon={<RiseOutlined />} onClick={() => navigate("/collection-rates")}>
            {t("debtors.rates")}
          </Button>
          {canExport && <ReportButton kind="DEBTOR_REGISTER" label={t("debtors.exportRegister")} />}
          <RefreshButton />
        </Space>
      </Space>
      <Summary stage={stage} onStage={(s) => update({ stage: s })} />
      <Card>
        <Form layout="inline" style={{ rowGap: 12 }}>
          <Form.Item label={t("debtors.search")} style={{ minWidth: 280 }}>
            <Input.Search
              allowClear
              defaultValue={search}
              placeholder={t("debtors.searchPlaceholder")}
              enterButton={t("debtors.find")}
              onSearch={(v) => update({ q: v.trim() || null })}
            />
          </Form.Item>
          <HouseSelect
            id="portal-debtors-house"
            label={t("debtors.house")}
            value={houseId ? { id: houseId, address: houseName } : null}
            onChange={(house) => update({ house: house?.id ?? null, houseName: house?.address ?? null })}
          />
          <Form.Item label={t("debtors.stage")} htmlFor="portal-debtors-stage">
            <Select
              id="portal-debtors-stage"
              allowClear
              placeholder={t("debtors.anyStage")}
              style={{ width: 240 }}
              value={stage ?? undefined}
              options={stageOptions(t as never)}
              onChange={(v?: string) => update({ stage: v ?? null })}
            />
          </Form.Item>
          <Form.Item label={t("debtors.minDebt")} htmlFor="portal-debtors-min-debt">
            <InputNumber
              id="portal-debtors-min-debt"
              min="0"
              step="1000"
              stringMode
              decimalSeparator=","
              style={{ width: 140 }}
              defaultValue={minDebt ?? undefined}
              onBlur={(e) => update({ minDebt: e.target.value.replace(/\s/g, "").replace(",", ".") || null })}
              onPressEnter={(e) => update({ minDebt: e.currentTarget.value.replace(/\s/g, "").replace(",", ".") || null })}
            />
          </Form.Item>
          <Form.Item label={t("debtors.minMonths")} htmlFor="portal-debtors-min-months">
            <InputNumber
              id="portal-debtors-min-months"
              min={0}
              max={240}
              precision={0}
              style={{ width: 100 }}
              value={minMonths ?? undefined}
              onChange={(v) => update({ minMonths: v ? String(v) : null })}
            />
          </Form.Item>
          <Form.Item>
            <Checkbox checked={thresholdOnly} onChange={(e) => update({ threshold: e.target.checked ? "1" : null })}>
              {t("debtors.thresholdOnly")}
            </Checkbox>
          </Form.Item>
          <Form.Item label={t("debtors.stopped")} htmlFor="portal-debtors-stopped">
            <Select
              id="portal-debtors-stopped"
              style={{ width: 170 }}
              value={stoppedParam ?? "all"}
              onChange={(v: string) => update({ stopped: v === "all" ? null : v })}
              options={[
                { value: "all", label: t("debtors.stoppedAll") },
                { value: "no", label: t("debtors.stoppedNo") },
                { value: "yes", label: t("debtors.stoppedYes") },
              ]}
            />
          </Form.Item>
        </Form>
      </Card>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Table
          rowKey="accountNumber"
          loading={q.isFetching}
          dataSource={data?.nodes ?? []}
          pagination={false}
          scroll={{ x: 1100 }}
          locale={{ emptyText: t("debtors.empty") }}
          columns={[
            {
              title: t("debtors.account"),
              dataIndex: "accountNumber",
              render: (v: string) => <Link to={`/debtors/${encodeURIComponent(v)}`}>{v}</Link>,
            },
            { title: t("debtors.payer"), dataIndex: "payerName" },
            { title: t("debtors.address"), dataIndex: "address" },
            { title: t("debtors.debt"), dataIndex: "debt", align: "right", render: formatMoney },
            { title: t("debtors.penalties"), dataIndex: "penalties", align: "right", render: formatMoney },
            { title: t("debtors.months"), dataIndex: "months", align: "right" },
            {
              title: t("debtors.monthsOfNorm"),
              dataIndex: "maxMonthsOfNorm",
              align: "right",
              render: (v: string | null, r) => (
                <Space size={4}>
                  <span>{formatQuantity(v)}</span>
                  {r.threshold && <Tag color="red">{t("debtors.overThreshold")}</Tag>}
                </Space>
              ),
            },
            {
              title: t("debtors.lastPaid"),
              dataIndex: "lastPaidOn",
              render: (v: string | null, r) => (v ? `${formatDate(v)}, ${formatMoney(r.lastPaidAmount)}` : "—"),
            },
            {
              title: t("debtors.stage"),
              dataIndex: "stage",
              render: (v: string, r) => (
                <Space size={4} wrap>
                  <StageTag stage={v} label={r.stageLabel} />
                  {r.keptAgreement && <Tag color="blue">{t("debtors.keptAgreement")}</Tag>}
                  {r.stopped && <Tag>{t("debtors.stoppedTag")}</Tag>}
                </Space>
              ),
            },
          ]}
        />
        <CursorPager
          pages={pages}
          totalCount={data?.totalCount}
          hasNextPage={data?.pageInfo.hasNextPage}
          endCursor={data?.pageInfo.endCursor}
          loading={q.isFetching}
        />
      </QueryState>
    </Space>
  );
}

/** The register's totals, the stages as filter cards, and the debt by age as a chart. */
function Summary({ stage, onStage }: { stage: string | null; onStage: (stage: string | null) => void }) {
  const { t } = useTranslation("portal");
  const q = useGql(DebtorSummaryQuery);
  const s = q.data?.debtorSummary;
  const ages = (s?.byAge ?? []).map((a) => ({ bucket: t("debtors.ageBucket", { bucket: a.bucket }), amount: toKopecks(a.amount) }));
  return (
    <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
      {s && (
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={12}>
            <Row gutter={[16, 16]}>
              <Col xs={12}>
                <Card>
                  <Statistic title={t("debtors.count")} value={s.debtors} />
                </Card>
              </Col>
              <Col xs={12}>
                <Card>
                  <Statistic title={t("debtors.debtTotal")} value={formatMoney(s.debtTotal)} />
                </Card>
              </Col>
              <Col xs={24}>
                <Card size="small" title={t("debtors.byStage")}>
                  <Space wrap>
                    {s.byStage.map((b) => (
                      <Button
                        key={b.stage}
                        type={stage === b.stage ? "primary" : "default"}
                        aria-pressed={stage === b.stage}
                        onClick={() => onStage(stage === b.stage ? null : b.stage)}
                        style={{ height: "auto", textAlign: "left", padding: "4px 12px" }}
                      >
                        <Space orientation="vertical" size={0}>
                          <StageTag stage={b.stage} label={b.label} />
                          <span>{t("debtors.stageFigures", { count: b.count, debt: formatMoney(b.debt) })}</span>
                        </Space>
                      </Button>
                    ))}
                  </Space>
                </Card>
              </Col>
              <Col xs={24}>
                <Typography.Text type="secondary">
                  {s.refreshedAt ? t("debtors.refreshedAt", { when: formatDateTime(s.refreshedAt) }) : t("debtors.neverRefreshed")}
                </Typography.Text>
              </Col>
            </Row>
          </Col>
          <Col xs={24} xl={12}>
            <Card title={t("debtors.byAge")}>
              <figure aria-label={t("debtors.byAgeChart")} style={{ margin: 0 }}>
                <ResponsiveContainer width="100%" height={260}>
                  <BarChart data={ages}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="bucket" />
                    <YAxis tickFormatter={(v: number) => t("dashboard.thousands", { value: Math.round(v / 100000) })} width={70} />
                    <Tooltip formatter={(v) => rub(Number(v))} cursor={{ fill: "rgba(0, 0, 0, 0.04)" }} />
                    <Bar dataKey="amount" name={t("debtors.debt")} fill="#cf1322" maxBarSize={56} />
                  </BarChart>
                </ResponsiveContainer>
              </figure>
            </Card>
          </Col>
        </Row>
      )}
    </QueryState>
  );
}

function RefreshButton() {
  const { t } = useTranslation("portal");
  const refresh = useGqlMutation(RegisterRefreshMutation, ["PortalDebtors", "PortalDebtorSummary"]);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<number | null>(null);
  const run = async () => {
    setError(null);
    setDone(null);
    try {
      const result = payload(await refresh.mutateAsync({}));
      setDone(result.debtors ?? 0);
    } catch (exc) {
      setError(applyErrors(null, exc));
    }
  };
  return (
    <Space orientation="vertical" align="end">
      <Button icon={<ReloadOutlined />} loading={refresh.isPending} onClick={run}>
        {t("debtors.refresh")}
      </Button>
      {done !== null && <Typography.Text type="success">{t("debtors.refreshed", { count: done })}</Typography.Text>}
      {error && <Alert type="error" showIcon role="alert" title={error} />}
    </Space>
  );
}

