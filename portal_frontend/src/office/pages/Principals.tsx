// «Принципалы»: the list with search, and a form to add one.
import { PlusOutlined } from "@ant-design/icons";
import { Button, Input, Select, Space, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { graphql } from "../../gql";
import type { PrincipalKind } from "../../gql/graphql";
import { QueryState } from "../../shared/QueryState";
import { useGql } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { useCan } from "../../shared/auth";
import { labelOf, optionsOf } from "../../shared/labels";
import { PageTitle, PRINCIPAL_KIND } from "../common";
import { PrincipalFormModal } from "./PrincipalForm";
import { PendingRequisitesNotice } from "./RequisitesChanges";

export const PrincipalsQuery = graphql(`
  query OfficePrincipals($first: Int, $after: String, $search: String, $kind: PrincipalKind) {
    principals(first: $first, after: $after, search: $search, kind: $kind) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id shortName inn kind schemaName domains isActive }
    }
  }
`);

export default function PrincipalsPage() {
  const { t } = useTranslation("office");
  const cursor = useCursorPages(20);
  const [search, setSearch] = useState("");
  const [kind, setKind] = useState<PrincipalKind | undefined>();
  const [creating, setCreating] = useState(false);
  const canManage = useCan("SETTINGS_MANAGE");
  const list = useGql(PrincipalsQuery, { first: cursor.first, after: cursor.after, search: search || null, kind });
  const data = list.data?.principals;

  return (
    <>
      <PageTitle
        extra={
          canManage && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              {t("principals.add")}
            </Button>
          )
        }
      >
        {t("principals.title")}
      </PageTitle>
      <PendingRequisitesNotice />
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          aria-label={t("principals.searchLabel")}
          placeholder={t("principals.searchPlaceholder")}
          allowClear
          onSearch={(value) => {
            setSearch(value.trim());
            cursor.reset();
          }}
          style={{ width: 320 }}
        />
        <Select
          aria-label={t("principals.kindLabel")}
          placeholder={t("principals.allKinds")}
          allowClear
          style={{ width: 280 }}
          value={kind}
          options={optionsOf(t, PRINCIPAL_KIND)}
          onChange={(value) => {
            setKind(value);
            cursor.reset();
          }}
        />
      </Space>
      <QueryState loading={false} error={list.error} retry={() => list.refetch()}>
        <Table
          rowKey="id"
          loading={list.isLoading}
          dataSource={data?.nodes ?? []}
          pagination={false}
          scroll={{ x: true }}
          columns={[
            {
              title: t("principals.columns.name"),
              dataIndex: "shortName",
              render: (name: string, row) => <Link to={`/principals/${row.id}`}>{name}</Link>,
            },
            { title: t("principals.columns.inn"), dataIndex: "inn" },
            { title: t("principals.columns.kind"), dataIndex: "kind", render: (k: string) => labelOf(t, PRINCIPAL_KIND, k) },
            { title: t("principals.columns.schema"), dataIndex: "schemaName" },
            { title: t("principals.columns.domains"), dataIndex: "domains", render: (d: string[]) => d.join(", ") },
            {
              title: t("common.status"),
              dataIndex: "isActive",
              render: (active: boolean) =>
                active ? <Tag color="green">{t("principalState.active")}</Tag> : <Tag color="default">{t("principalState.inactive")}</Tag>,
            },
          ]}
        />
        <CursorPager
          pages={cursor}
          totalCount={data?.totalCount}
          hasNextPage={data?.pageInfo.hasNextPage}
          endCursor={data?.pageInfo.endCursor}
          loading={list.isFetching}
        />
      </QueryState>
      <PrincipalFormModal open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
