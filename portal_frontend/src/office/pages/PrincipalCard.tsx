// A principal's card: requisites, domains, status, and its agency contracts.
import { ArrowLeftOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Card, Descriptions, Space, Table, Tag } from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { graphql } from "../../gql";
import { QueryState } from "../../shared/QueryState";
import { formatDate, formatMoney } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { PageTitle, PAYOUT_SCHEDULE, PRINCIPAL_KIND, QR_MODE, SERVICE_KIND, useCan } from "../common";
import { ContractFormModal, type ContractValues } from "./ContractForm";
import { PrincipalFormModal } from "./PrincipalForm";

const PrincipalQuery = graphql(`
  query OfficePrincipal($id: ID!) {
    principal(id: $id) {
      id legalName shortName inn kpp ogrn bankName bic settlementAccount correspondentAccount
      kind schemaName domains isActive createdAt
    }
    agencyContracts(principalId: $id) {
      id number signedOn validFrom validTo feeRate feeMin feeMax services payoutSchedule qrMode
      payoutBankName payoutBic payoutAccount payoutCorrespondentAccount
    }
  }
`);

export default function PrincipalCardPage() {
  const { id = "" } = useParams();
  const query = useGql(PrincipalQuery, { id });
  const canManage = useCan("SETTINGS_MANAGE");
  const [editing, setEditing] = useState(false);
  const [contract, setContract] = useState<ContractValues | "new" | null>(null);
  const p = query.data?.principal;

  return (
    <>
      <Link to="/principals">
        <ArrowLeftOutlined /> Все принципалы
      </Link>
      <QueryState
        loading={query.isLoading}
        error={query.error}
        retry={() => query.refetch()}
        empty={!p}
        emptyText="Принципал не найден"
      >
        {p && (
          <>
            <PageTitle
              extra={
                canManage && (
                  <Button icon={<EditOutlined />} onClick={() => setEditing(true)}>
                    Изменить реквизиты
                  </Button>
                )
              }
            >
              {p.shortName}
            </PageTitle>
            <Card title="Реквизиты" style={{ marginBottom: 16 }}>
              <Descriptions
                column={{ xs: 1, md: 2 }}
                items={[
                  { key: "legal", label: "Полное наименование", children: p.legalName, span: 2 },
                  { key: "kind", label: "Вид", children: PRINCIPAL_KIND[p.kind] ?? p.kind },
                  {
                    key: "status",
                    label: "Статус",
                    children: p.isActive ? <Tag color="green">действует</Tag> : <Tag>отключён</Tag>,
                  },
                  { key: "inn", label: "ИНН", children: p.inn },
                  { key: "kpp", label: "КПП", children: p.kpp || "—" },
                  { key: "ogrn", label: "ОГРН", children: p.ogrn },
                  { key: "bank", label: "Банк", children: p.bankName },
                  { key: "bic", label: "БИК", children: p.bic },
                  { key: "acc", label: "Расчётный счёт", children: p.settlementAccount },
                  { key: "corr", label: "Корр. счёт", children: p.correspondentAccount },
                  { key: "schema", label: "Схема", children: p.schemaName },
                  {
                    key: "domains",
                    label: "Адреса портала",
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
                  { key: "created", label: "Создан", children: formatDate(p.createdAt) },
                ]}
              />
            </Card>
            <Card
              title="Агентские договоры"
              extra={
                canManage && (
                  <Button icon={<PlusOutlined />} onClick={() => setContract("new")}>
                    Новый договор
                  </Button>
                )
              }
            >
              <Table
                rowKey="id"
                pagination={false}
                scroll={{ x: true }}
                dataSource={query.data?.agencyContracts ?? []}
                locale={{ emptyText: "Договоров нет" }}
                columns={[
                  { title: "Номер", dataIndex: "number" },
                  { title: "Подписан", dataIndex: "signedOn", render: formatDate },
                  {
                    title: "Действует",
                    key: "valid",
                    render: (_, c) => `с ${formatDate(c.validFrom)}${c.validTo ? ` по ${formatDate(c.validTo)}` : ""}`,
                  },
                  { title: "Вознаграждение", dataIndex: "feeRate", render: (r: string) => `${r.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "").replace(".", ",")} %` },
                  { title: "Минимум", dataIndex: "feeMin", render: (v: string | null) => (v ? formatMoney(v) : "—") },
                  { title: "Максимум", dataIndex: "feeMax", render: (v: string | null) => (v ? formatMoney(v) : "—") },
                  {
                    title: "Услуги",
                    dataIndex: "services",
                    render: (s: string[]) => s.map((k) => SERVICE_KIND[k] ?? k).join(", "),
                  },
                  { title: "Перечисления", dataIndex: "payoutSchedule", render: (s: string) => PAYOUT_SCHEDULE[s] ?? s },
                  { title: "QR-коды", dataIndex: "qrMode", render: (m: string) => QR_MODE[m] ?? m },
                  { title: "Счёт для перечислений", dataIndex: "payoutAccount" },
                  ...(canManage
                    ? [
                        {
                          title: "Действия",
                          key: "actions",
                          render: (_: unknown, c: ContractValues) => (
                            <Button size="small" onClick={() => setContract(c)} aria-label={`Изменить договор ${c.number}`}>
                              Изменить
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
