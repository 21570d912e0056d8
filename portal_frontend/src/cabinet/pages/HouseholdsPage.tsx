// "Мои счета": the linked households with their amount due, accounts by principal, e-receipts and unlinking.
import { CreditCardOutlined, DisconnectOutlined, FileTextOutlined } from "@ant-design/icons";
import { App, Button, Card, Descriptions, Flex, List, Popconfirm, Space, Switch, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { payload } from "../../shared/api";
import { formatMoney, formatMonth, toKopecks } from "../../shared/format";
import { useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import { useHouseholds } from "../common";
import { EReceiptsMutation, UnlinkAccountMutation } from "../queries";
import type { CabinetHouseholdsQuery } from "../../gql/graphql";
import { LinkAccountCard } from "./LinkAccountCard";

type Household = CabinetHouseholdsQuery["residentHouseholds"][number];

export default function HouseholdsPage() {
  const { t } = useTranslation("cabinet");
  const households = useHouseholds();
  const list = households.data?.residentHouseholds ?? [];
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("households.title")}
      </Typography.Title>
      <QueryState loading={households.isLoading} error={households.error} retry={() => households.refetch()}>
        {list.map((h) => (
          <HouseholdCard key={h.els} household={h} />
        ))}
        <LinkAccountCard first={list.length === 0} />
      </QueryState>
    </Flex>
  );
}

function HouseholdCard({ household: h }: { household: Household }) {
  const { t } = useTranslation("cabinet");
  const navigate = useNavigate();
  const { message } = App.useApp();
  const unlink = useGqlMutation(UnlinkAccountMutation);
  const eReceipts = useGqlMutation(EReceiptsMutation, ["CabinetHouseholds"]);
  const switchId = `ereceipts-${h.els}`;

  const doUnlink = async () => {
    try {
      payload(await unlink.mutateAsync({ els: h.els }));
      message.success(t("households.unlinked", { els: h.els }));
    } catch (exc) {
      message.error(exc instanceof Error ? exc.message : String(exc));
    }
  };
  const toggle = async (enabled: boolean) => {
    try {
      payload(await eReceipts.mutateAsync({ els: h.els, enabled }));
      message.success(enabled ? t("households.eReceiptsOn") : t("households.eReceiptsOff"));
    } catch (exc) {
      message.error(exc instanceof Error ? exc.message : String(exc));
    }
  };

  return (
    <Card
      title={<span>{t("households.cardTitle", { els: h.els })}</span>}
      extra={h.currentMonth ? <Tag>{t("common.epdFor", { month: formatMonth(h.currentMonth) })}</Tag> : null}
      aria-label={t("households.cardLabel", { els: h.els })}
    >
      <Flex vertical gap={12}>
        <Typography.Text>{h.address}</Typography.Text>
        <div>
          <Typography.Text type="secondary">{t("common.amountDue")}</Typography.Text>
          <div style={{ fontSize: 28, fontWeight: 600 }} data-testid="amount-due">
            {formatMoney(h.amountDue)}
          </div>
        </div>
        <Space wrap>
          {h.currentDocumentId && (
            <Button icon={<FileTextOutlined />} onClick={() => navigate(`/documents/${h.currentDocumentId}`)}>
              {t("households.openEpd")}
            </Button>
          )}
          <Button
            type="primary"
            icon={<CreditCardOutlined />}
            disabled={toKopecks(h.amountDue) <= 0 && !h.currentDocumentId}
            onClick={() => navigate(`/pay?els=${encodeURIComponent(h.els)}`)}
          >
            {t("common.pay")}
          </Button>
        </Space>
        <List
          header={<Typography.Text strong>{t("households.accountsHeader")}</Typography.Text>}
          dataSource={h.accounts}
          rowKey={(a) => `${a.principalId}-${a.accountNumber}`}
          renderItem={(a) => (
            <List.Item>
              <Descriptions
                size="small"
                column={1}
                title={a.principalName}
                items={[
                  { key: "n", label: t("households.account"), children: a.accountNumber },
                  { key: "p", label: t("common.payer"), children: a.payerName || "—" },
                  { key: "o", label: t("households.persons"), children: a.persons ?? "—" },
                  {
                    key: "b",
                    label: toKopecks(a.balance) < 0 ? t("households.overpaid") : t("households.debt"),
                    children: formatMoney(a.balance?.replace(/^-/, "") ?? null),
                  },
                ]}
              />
            </List.Item>
          )}
        />
        <Flex justify="space-between" align="center" wrap gap={12}>
          <Space>
            <Switch
              id={switchId}
              checked={h.eReceipts}
              loading={eReceipts.isPending}
              onChange={toggle}
            />
            <label htmlFor={switchId}>{t("households.eReceipts")}</label>
          </Space>
          <Popconfirm
            title={t("households.unlinkConfirm")}
            description={t("households.unlinkDescription")}
            okText={t("households.unlink")}
            cancelText={t("common.cancel")}
            okButtonProps={{ danger: true, loading: unlink.isPending }}
            onConfirm={doUnlink}
          >
            <Button danger icon={<DisconnectOutlined />}>
              {t("households.unlink")}
            </Button>
          </Popconfirm>
        </Flex>
      </Flex>
    </Card>
  );
}
