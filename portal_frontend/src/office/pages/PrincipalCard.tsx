// A principal's card: requisites, domains, status, and its agency contracts.
import { ArrowLeftOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Card, Descriptions, Space, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { graphql } from "../../gql";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatMoney } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { useCan } from "../../shared/auth";
import { labelOf } from "../../shared/labels";
import { PageTitle, PAYOUT_SCHEDULE, PRINCIPAL_KIND, QR_MODE, SERVICE_KIND } from "../common";
import { ContractFormModal, type ContractValues } from "./ContractForm";
import { PrincipalFormModal } from "./PrincipalForm";
import { PendingRequisitesChanges } from "./RequisitesChanges";

const PrincipalQuery = graphql(`
  query OfficePrincipal($id: ID!) {
    principal(id: $id) {
      id legalName shortName inn kpp ogrn bankName bic settlementAccount correspondentAccount
      kind schemaName domains isActive createdAt
      address phone email website workingHours
    }
    agencyContracts(principalId: $id) {
      id number signedOn validFrom validTo feeRate feeMin feeMax services payoutSchedule qrMode
      payoutBankName payoutBic payoutAccount payoutCorrespondentAccount
    }
  }
`);

export default function PrincipalCardPage() {
  const { t } = useTranslation("office");
  const { id = "" } = useParams();
  const query = useGql(PrincipalQuery, { id });
  const canManage = useCan("SETTINGS_MANAGE");
  const [editing, setEditing] = useState(false);
  const [contract, setContract] = useState<ContractValues | "new" | null>(null);
  const p = query.data?.principal;

  return (
    <>
      <Link to="/principals">
        <ArrowLeftOutlined /> {t("principalCard.back")}
      </Link>
      <QueryState
        loading={query.isLoading}
        error={query.error}
        retry={() => query.refetch()}
        empty={!p}
        emptyText={t("principalCard.notFound")}
      >
        {p && (
          <>
            <PageTitle
              extra={
                canManage && (
                  <Button icon={<EditOutlined />} onClick={() => setEditing(true)}>
                    {t("principalCard.editRequisites")}
                  </Button>
                )
              }
            >
              {p.shortName}
            </PageTitle>
            <PendingRequisitesChanges principalId={p.id} />
            <Card title={t("principalCard.requisites")} style={{ marginBottom: 16 }}>
              <Descriptions
                column={{ xs: 1, md: 2 }}
                items={[
                  { key: "legal", label: t("principalCard.fields.legalName"), children: p.legalName, span: 2 },
                  { key: "kind", label: t("principalCard.fields.kind"), children: labelOf(t, PRINCIPAL_KIND, p.kind) },
                  {
                    key: "status",
                    label: t("common.status"),
                    children: p.isActive ? <Tag color="green">{t("principalState.active")}</Tag> : <Tag>{t("principalState.inactive")}</Tag>,
                  },
                  { key: "inn", label: t("principalCard.fields.inn"), children: p.inn },
                  { key: "kpp", label: t("principalCard.fields.kpp"), children: p.kpp || "—" },
                  { key: "ogrn", label: t("principalCard.fields.ogrn"), children: p.ogrn },
                  { key: "bank", label: t("principalCard.fields.bank"), children: p.bankName },
                  { key: "bic", label: t("principalCard.fields.bic"), children: p.bic },
                  { key: "acc", label: t("principalCard.fields.account"), children: p.settlementAccount },
                  { key: "corr", label: t("principalCard.fields.corrAccount"), children: p.correspondentAccount },
                  { key: "schema", label: t("principalCard.fields.schema"), children: p.schemaName },
                  {
                    key: "domains",
                    label: t("principalCard.fields.domains"),
                    children: p.domains.length ? (
                      <Space wrap>
                        {p.domains.map((d) => (
                          <Tag key={d}>{d}</Tag>
                        ))}
                      </Space>
                    ) : (
                      "—"
                    ),
                  },
                  { key: "created", label: t("principalCard.fields.created"), children: formatDate(p.createdAt) },
                  { key: "address", label: t("principalCard.fields.address"), children: p.address || "—", span: 2 },
                  { key: "phone", label: t("principalCard.fields.phone"), children: p.phone || "—" },
                  { key: "email", label: t("principalCard.fields.email"), children: p.email || "—" },
                  { key: "website", label: t("principalCard.fields.website"), children: p.website || "—" },
                  { key: "hours", label: t("principalCard.fields.workingHours"), children: p.workingHours || "—" },
                ]}
              />
            </Card>
            <Card
              title={t("principalCard.contracts.title")}
              extra={
                canManage && (
                  <Button icon={<PlusOutlined />} onClick={() => setContract("new")}>
                    {t("principalCard.contracts.add")}
                  </Button>
                )
              }
            >
              <Table
                rowKey="id"
                pagination={false}
                scroll={{ x: true }}
                dataSource={query.data?.agencyContracts ?? []}
                locale={{ emptyText: t("principalCard.contracts.empty") }}
                columns={[
                  { title: t("principalCard.contracts.columns.number"), dataIndex: "number" },
                  { title: t("principalCard.contracts.columns.signedOn"), dataIndex: "signedOn", render: formatDate },
                  {
                    title: t("principalCard.contracts.columns.valid"),
                    key: "valid",
                    render: (_, c) =>
                      t("principalCard.contracts.validFrom", { from: formatDate(c.validFrom) }) +
                      (c.validTo ? t("principalCard.contracts.validTo", { to: formatDate(c.validTo) }) : ""),
                  },
                  { title: t("principalCard.contracts.columns.fee"), dataIndex: "feeRate", render: (r: string) => `${r.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "").replace(".", ",")} %` },
                  { title: t("principalCard.contracts.columns.feeMin"), dataIndex: "feeMin", render: (v: string | null) => (v ? formatMoney(v) : "—") },
                  { title: t("principalCard.contracts.columns.feeMax"), dataIndex: "feeMax", render: (v: string | null) => (v ? formatMoney(v) : "—") },
                  {
                    title: t("principalCard.contracts.columns.services"),
                    dataIndex: "services",
                    render: (s: string[]) => s.map((k) => labelOf(t, SERVICE_KIND, k)).join(", "),
                  },
                  { title: t("principalCard.contracts.columns.payouts"), dataIndex: "payoutSchedule", render: (s: string) => labelOf(t, PAYOUT_SCHEDULE, s) },
                  { title: t("principalCard.contracts.columns.qr"), dataIndex: "qrMode", render: (m: string) => labelOf(t, QR_MODE, m) },
                  { title: t("principalCard.contracts.columns.payoutAccount"), dataIndex: "payoutAccount" },
                  ...(canManage
                    ? [
                        {
                          title: t("common.actions"),
                          key: "actions",
                          render: (_: unknown, c: ContractValues) => (
                            <Button size="small" onClick={() => setContract(c)} aria-label={t("principalCard.contracts.editLabel", { number: c.number })}>
                              {t("common.edit")}
                            </Button>
                          ),
                        },
                      ]
                    : []),
                ]}
              />
            </Card>
            <PrincipalFormModal open={editing} onClose={() => setEditing(false)} principal={p} />
            <ContractFormModal
              principalId={p.id}
              contract={contract === "new" ? undefined : (contract ?? undefined)}
              open={contract !== null}
              onClose={() => setContract(null)}
            />
          </>
        )}
      </QueryState>
    </>
  );
}
