// «Лицевые счета»: search, filters, server-side pages and the Excel export.
import { Button, Card, Form, Input, Select, Space, Table, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { graphql } from "../../gql";
import { QueryState } from "../../shared/QueryState";
import { formatMoney, formatQuantity } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { HouseSelect } from "../components/HouseSelect";
import { ReportButton } from "../components/ReportJob";

const AccountsQuery = graphql(`
  query PortalAccounts($first: Int, $after: String, $search: String, $houseId: ID, $hasDebt: Boolean) {
    accounts(first: $first, after: $after, search: $search, houseId: $houseId, hasDebt: $hasDebt) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id number payerName address houseId houseAddress chargeArea persons debt closedOn }
    }
  }
`);

export default function AccountsPage() {
  const { t } = useTranslation("portal");
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const houseId = params.get("house") ?? undefined;
  const houseName = params.get("houseName") ?? houseId ?? "";
  const debt = params.get("debt") ?? "all";
  const hasDebt = debt === "yes" ? true : debt === "no" ? false : null;
  const pages = useCursorPages(20);
  const q = useGql(AccountsQuery, {
    first: pages.first,
    after: pages.after,
    search: search || null,
    houseId: houseId ?? null,
    hasDebt,
  }, { placeholderData: (prev) => prev });
  const data = q.data?.accounts;

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
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("accounts.title")}
      </Typography.Title>
      <Card>
        <Form layout="inline" onFinish={(v: { q?: string }) => update({ q: v.q?.trim() || null })} initialValues={{ q: search }}>
          <Form.Item label={t("accounts.search")} name="q" style={{ minWidth: 280 }}>
            <Input.Search
              allowClear
              placeholder={t("accounts.searchPlaceholder")}
              enterButton={t("accounts.find")}
              onSearch={(v) => update({ q: v.trim() || null })}
            />
          </Form.Item>
          <Form.Item label={t("accounts.debt")}>
            <Select
              aria-label={t("accounts.debt")}
              value={debt}
              style={{ width: 160 }}
              onChange={(v) => update({ debt: v === "all" ? null : v })}
              options={[
                { value: "all", label: t("accounts.debtAll") },
                { value: "yes", label: t("accounts.debtYes") },
                { value: "no", label: t("accounts.debtNo") },
              ]}
            />
          </Form.Item>
          <HouseSelect
            id="portal-accounts-house"
            label={t("accounts.house")}
            value={houseId ? { id: houseId, address: houseName } : null}
            onChange={(house) => update({ house: house?.id ?? null, houseName: house?.address ?? null })}
          />
        </Form>
        <div style={{ marginTop: 12 }}>
          <ReportButton
            kind="ACCOUNTS"
            search={search}
            houseId={houseId ?? null}
            hasDebt={hasDebt}
            label={t("accounts.export")}
          />
        </div>
      </Card>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Table
          rowKey="id"
          loading={q.isFetching}
          dataSource={data?.nodes ?? []}
          pagination={false}
          scroll={{ x: 900 }}
          columns={[
            {
              title: t("accounts.account"),
              dataIndex: "number",
              render: (v: string, r) => <Link to={`/accounts/${r.id}`}>{v}</Link>,
            },
            { title: t("accounts.payer"), dataIndex: "payerName" },
            {
              title: t("accounts.address"),
              dataIndex: "address",
              render: (v: string, r) => (
                <Space orientation="vertical" size={0}>
                  <span>{v}</span>
                  {!houseId && (
                    <Button
                      type="link"
                      size="small"
                      style={{ padding: 0 }}
                      onClick={() => update({ house: r.houseId, houseName: r.houseAddress })}
                    >
                      {t("accounts.onlyThisHouse")}
                    </Button>
                  )}
                </Space>
              ),
            },
            { title: t("accounts.area"), dataIndex: "chargeArea", align: "right", render: (v: string) => formatQuantity(v) },
            { title: t("accounts.persons"), dataIndex: "persons", align: "right", render: (v: number | null) => v ?? "—" },
            {
              title: t("accounts.balance"),
              dataIndex: "debt",
              align: "right",
              render: (v: string | null, r) => (
                <Space>
                  <span>{formatMoney(v)}</span>
                  {r.closedOn && <Tag>{t("accounts.closed")}</Tag>}
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
