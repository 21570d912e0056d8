// "Мои счета": the linked households with their amount due, accounts by principal, e-receipts and unlinking.
import { CreditCardOutlined, DisconnectOutlined, FileTextOutlined } from "@ant-design/icons";
import { App, Button, Card, Descriptions, Flex, List, Popconfirm, Space, Switch, Tag, Typography } from "antd";
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
  const households = useHouseholds();
  const list = households.data?.residentHouseholds ?? [];
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Мои счета
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
  const navigate = useNavigate();
  const { message } = App.useApp();
  const unlink = useGqlMutation(UnlinkAccountMutation);
  const eReceipts = useGqlMutation(EReceiptsMutation, ["CabinetHouseholds"]);
  const switchId = `ereceipts-${h.els}`;

  const doUnlink = async () => {
    try {
      payload(await unlink.mutateAsync({ els: h.els }));
      message.success(`Лицевой счёт ${h.els} отключён`);
    } catch (exc) {
      message.error(exc instanceof Error ? exc.message : String(exc));
    }
  };
  const toggle = async (enabled: boolean) => {
    try {
      payload(await eReceipts.mutateAsync({ els: h.els, enabled }));
      message.success(enabled ? "ЕПД будет приходить на электронную почту" : "ЕПД больше не будет приходить на почту");
    } catch (exc) {
      message.error(exc instanceof Error ? exc.message : String(exc));
    }
  };

  return (
    <Card
      title={<span>ЕЛС {h.els}</span>}
      extra={h.currentMonth ? <Tag>ЕПД за {formatMonth(h.currentMonth)}</Tag> : null}
      aria-label={`Лицевой счёт ${h.els}`}
    >
      <Flex vertical gap={12}>
        <Typography.Text>{h.address}</Typography.Text>
        <div>
          <Typography.Text type="secondary">К оплате</Typography.Text>
          <div style={{ fontSize: 28, fontWeight: 600 }} data-testid="amount-due">
            {formatMoney(h.amountDue)}
          </div>
        </div>
        <Space wrap>
          {h.currentDocumentId && (
            <Button icon={<FileTextOutlined />} onClick={() => navigate(`/documents/${h.currentDocumentId}`)}>
              Открыть ЕПД
            </Button>
          )}
          <Button
            type="primary"
            icon={<CreditCardOutlined />}
            disabled={toKopecks(h.amountDue) <= 0 && !h.currentDocumentId}
            onClick={() => navigate(`/pay?els=${encodeURIComponent(h.els)}`)}
          >
            Оплатить
          </Button>
        </Space>
        <List
          header={<Typography.Text strong>Лицевые счета у поставщиков</Typography.Text>}
          dataSource={h.accounts}
          rowKey={(a) => `${a.principalId}-${a.accountNumber}`}
          renderItem={(a) => (
            <List.Item>
              <Descriptions
                size="small"
                column={1}
                title={a.principalName}
                items={[
                  { key: "n", label: "Лицевой счёт", children: a.accountNumber },
                  { key: "p", label: "Плательщик", children: a.payerName || "—" },
                  { key: "o", label: "Проживает", children: a.persons ?? "—" },
                  {
                    key: "b",
                    label: toKopecks(a.balance) < 0 ? "Переплата" : "Задолженность",
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
            <label htmlFor={switchId}>ЕПД на электронную почту</label>
          </Space>
          <Popconfirm
            title="Отключить лицевой счёт?"
            description="Он пропадёт из кабинета; подключить снова можно по коду с ЕПД."
            okText="Отключить"
            cancelText="Отмена"
            okButtonProps={{ danger: true, loading: unlink.isPending }}
            onConfirm={doUnlink}
          >
            <Button danger icon={<DisconnectOutlined />}>
              Отключить
            </Button>
          </Popconfirm>
        </Flex>
      </Flex>
    </Card>
  );
}
