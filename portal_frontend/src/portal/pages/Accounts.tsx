// «Лицевые счета»: search, filters, server-side pages and the Excel export.
import { Button, Card, Form, Input, Select, Space, Table, Tag, Typography } from "antd";
import { Link, useSearchParams } from "react-router-dom";
import { graphql } from "../../gql";
import { QueryState } from "../../shared/QueryState";
import { formatMoney } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../components/CursorPager";
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
  const [params, setParams] = useSearchParams();
  const search = params.get("q") ?? "";
  const houseId = params.get("house") ?? undefined;
  const houseName = params.get("houseName") ?? houseId;
  const debt = params.get("debt") ?? "all";
  const pages = useCursorPages(20);
  const q = useGql(AccountsQuery, {
    first: pages.first,
    after: pages.after,
    search: search || null,
    houseId: houseId ?? null,
    hasDebt: debt === "yes" ? true : debt === "no" ? false : null,
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
        Лицевые счета
      </Typography.Title>
      <Card>
        <Form layout="inline" onFinish={(v: { q?: string }) => update({ q: v.q?.trim() || null })} initialValues={{ q: search }}>
          <Form.Item label="Поиск" name="q" style={{ minWidth: 280 }}>
            <Input.Search
              allowClear
              placeholder="Номер счёта, ФИО, улица, дом, квартира"
              enterButton="Найти"
              onSearch={(v) => update({ q: v.trim() || null })}
            />
          </Form.Item>
          <Form.Item label="Задолженность">
            <Select
              aria-label="Задолженность"
              value={debt}
              style={{ width: 160 }}
              onChange={(v) => update({ debt: v === "all" ? null : v })}
              options={[
                { value: "all", label: "Все счета" },
                { value: "yes", label: "С долгом" },
                { value: "no", label: "Без долга" },
              ]}
            />
          </Form.Item>
          {houseId && (
            <Form.Item label="Дом">
              <Tag closable closeIcon={<span aria-label="Снять фильтр по дому">×</span>} onClose={() => update({ house: null, houseName: null })}>
                {houseName}
              </Tag>
            </Form.Item>
          )}
        </Form>
        <div style={{ marginTop: 12 }}>
          <ReportButton kind="ACCOUNTS" search={search} label="Выгрузить в Excel" />
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
              title: "Лицевой счёт",
              dataIndex: "number",
              render: (v: string, r) => <Link to={`/accounts/${r.id}`}>{v}</Link>,
            },
            { title: "Плательщик", dataIndex: "payerName" },
            {
              title: "Адрес",
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
                      Только этот дом
                    </Button>
                  )}
                </Space>
              ),
            },
            { title: "Площадь, м²", dataIndex: "chargeArea", align: "right", render: (v: string) => v.replace(".", ",") },
            { title: "Проживает", dataIndex: "persons", align: "right", render: (v: number | null) => v ?? "—" },
            {
              title: "Сальдо",
              dataIndex: "debt",
              align: "right",
              render: (v: string | null, r) => (
                <Space>
                  <span>{formatMoney(v)}</span>
                  {r.closedOn && <Tag>закрыт</Tag>}
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
