// «Задолженность»: for each linked household and each principal's account, the warnings of ПП 354 п.119 with
// the day the 20-day term ends, the repayment agreements with their schedules, paid and overdue amounts, a form
// to ask for an agreement, and the way to pay (the «Оплатить» page).
import { CreditCardOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Descriptions, Empty, Flex, Form, Input, InputNumber, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { graphql } from "../../gql";
import type { CabinetMyCollectionQuery } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { formatDate, formatMoney, formatMonth, toKopecks } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import { StatusTag } from "../../shared/collection";
import type { CabinetKey } from "../common";

const MyCollectionQuery = graphql(`
  query CabinetMyCollection {
    myCollection {
      els address amountDue currentDocumentId
      accounts {
        els principalId principalName accountNumber balance canRequestAgreement
        warnings { month serviceName debt termEnd status }
        agreements {
          id number status total parts signedOn paid shortfall
          schedule { seq dueOn amount }
        }
      }
    }
  }
`);

const AgreementRequestMutation = graphql(`
  mutation CabinetAgreementRequest($els: String!, $principalId: ID!, $parts: Int!, $note: String) {
    agreementRequest(els: $els, principalId: $principalId, parts: $parts, note: $note) {
      errors { field message code }
      agreement { id number status parts }
    }
  }
`);

type Household = CabinetMyCollectionQuery["myCollection"][number];
type Account = Household["accounts"][number];

const WARNING_STATUS: Record<string, CabinetKey> = {
  ISSUED: "debt.warningStatus.ISSUED",
  DELIVERED: "debt.warningStatus.DELIVERED",
  RESTRICTED: "debt.warningStatus.RESTRICTED",
  SETTLED: "debt.warningStatus.SETTLED",
  CANCELLED: "debt.warningStatus.CANCELLED",
};

const AGREEMENT_STATUS: Record<string, CabinetKey> = {
  REQUESTED: "debt.agreementStatus.REQUESTED",
  DRAFT: "debt.agreementStatus.DRAFT",
  ACTIVE: "debt.agreementStatus.ACTIVE",
  BREACHED: "debt.agreementStatus.BREACHED",
  COMPLETED: "debt.agreementStatus.COMPLETED",
  DECLINED: "debt.agreementStatus.DECLINED",
};

export default function DebtPage() {
  const { t } = useTranslation("cabinet");
  const q = useGql(MyCollectionQuery);
  const list = q.data?.myCollection ?? [];
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("debt.title")}
      </Typography.Title>
      <QueryState loading={q.isLoading} error={q.error} retry={() => q.refetch()} empty={!list.length} emptyText={t("common.linkFirst")}>
        {list.map((h) => (
          <HouseholdDebt key={h.els} household={h} />
        ))}
      </QueryState>
    </Flex>
  );
}

function HouseholdDebt({ household: h }: { household: Household }) {
  const { t } = useTranslation("cabinet");
  const navigate = useNavigate();
  const due = toKopecks(h.amountDue) > 0;
  return (
    <Card
      title={t("debt.household", { els: h.els })}
      extra={
        due && (
          <Button type="primary" icon={<CreditCardOutlined />} onClick={() => navigate(`/pay?els=${encodeURIComponent(h.els)}`)}>
            {t("debt.pay", { amount: formatMoney(h.amountDue) })}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{h.address}</Typography.Paragraph>
      {!due && <Alert type="success" showIcon title={t("debt.nothingDue")} style={{ marginBottom: 16 }} />}
      <Flex vertical gap={16}>
        {h.accounts.map((a) => (
          <AccountDebt key={`${a.principalId}-${a.accountNumber}`} account={a} />
        ))}
      </Flex>
    </Card>
  );
}

function AccountDebt({ account: a }: { account: Account }) {
  const { t } = useTranslation("cabinet");
  const debt = toKopecks(a.balance) > 0;
  const quiet = !a.warnings.length && !a.agreements.length && !debt;
  return (
    <Card
      size="small"
      type="inner"
      title={t("debt.account", { principal: a.principalName, number: a.accountNumber })}
      extra={debt ? <Tag color="red">{t("debt.balance", { amount: formatMoney(a.balance) })}</Tag> : <Tag color="green">{t("debt.noDebt")}</Tag>}
    >
      {quiet && <Typography.Text type="secondary">{t("debt.quiet")}</Typography.Text>}
      {a.warnings.length > 0 && (
        <>
          <Typography.Title level={4}>{t("debt.warnings")}</Typography.Title>
          <Typography.Paragraph type="secondary">{t("debt.warningsHint")}</Typography.Paragraph>
          <Table
            rowKey={(w) => `${w.month}-${w.serviceName}`}
            size="small"
            pagination={false}
            scroll={{ x: true }}
            dataSource={a.warnings}
            columns={[
              { title: t("debt.month"), dataIndex: "month", render: formatMonth },
              { title: t("debt.service"), dataIndex: "serviceName" },
              { title: t("debt.debtColumn"), dataIndex: "debt", align: "right", render: formatMoney },
              {
                title: t("debt.termEnd"),
                dataIndex: "termEnd",
                render: (v: string | null) => (v ? <Typography.Text strong>{formatDate(v)}</Typography.Text> : t("debt.notDelivered")),
              },
              {
                title: t("debt.status"),
                dataIndex: "status",
                render: (s: string) => <StatusTag status={s} label={WARNING_STATUS[s] ? t(WARNING_STATUS[s]) : s} />,
              },
            ]}
          />
        </>
      )}
      {a.agreements.map((g) => (
        <AgreementCard key={g.id} agreement={g} />
      ))}
      {a.canRequestAgreement && <AgreementRequestForm account={a} />}
    </Card>
  );
}

function AgreementCard({ agreement: g }: { agreement: Account["agreements"][number] }) {
  const { t } = useTranslation("cabinet");
  return (
    <Card
      size="small"
      style={{ marginTop: 16 }}
      title={t("debt.agreement", { number: g.number })}
      extra={<StatusTag status={g.status} label={AGREEMENT_STATUS[g.status] ? t(AGREEMENT_STATUS[g.status]) : g.status} />}
    >
      <Descriptions size="small" column={{ xs: 1, md: 3 }}>
        <Descriptions.Item label={t("debt.total")}>{formatMoney(g.total)}</Descriptions.Item>
        <Descriptions.Item label={t("debt.parts")}>{g.parts}</Descriptions.Item>
        <Descriptions.Item label={t("debt.signedOn")}>{formatDate(g.signedOn)}</Descriptions.Item>
        <Descriptions.Item label={t("debt.paid")}>{formatMoney(g.paid)}</Descriptions.Item>
        <Descriptions.Item label={t("debt.shortfall")}>
          <Typography.Text type={toKopecks(g.shortfall) > 0 ? "danger" : undefined}>{formatMoney(g.shortfall)}</Typography.Text>
        </Descriptions.Item>
      </Descriptions>
      {g.schedule.length ? (
        <Table
          rowKey="seq"
          size="small"
          pagination={false}
          dataSource={g.schedule}
          columns={[
            { title: "№", dataIndex: "seq" },
            { title: t("debt.dueOn"), dataIndex: "dueOn", render: formatDate },
            { title: t("debt.amount"), dataIndex: "amount", align: "right", render: formatMoney },
          ]}
        />
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("debt.scheduleLater")} />
      )}
    </Card>
  );
}

function AgreementRequestForm({ account: a }: { account: Account }) {
  const { t } = useTranslation("cabinet");
  const { message } = App.useApp();
  const [form] = Form.useForm<{ parts: number; note?: string }>();
  const [error, setError] = useState<string | null>(null);
  const request = useGqlMutation(AgreementRequestMutation, ["CabinetMyCollection"]);
  const submit = async (v: { parts: number; note?: string }) => {
    setError(null);
    try {
      const result = payload(await request.mutateAsync({ els: a.els, principalId: a.principalId, parts: v.parts, note: v.note || null }));
      message.success(t("debt.requested", { number: result.agreement?.number ?? "" }));
      form.resetFields();
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  const formId = `agreement-${a.principalId}-${a.accountNumber}`;
  return (
    <Card size="small" style={{ marginTop: 16 }} title={t("debt.requestTitle")}>
      <Typography.Paragraph type="secondary">{t("debt.requestHint")}</Typography.Paragraph>
      {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" initialValues={{ parts: 6 }} onFinish={submit} style={{ maxWidth: 480 }}>
        <Form.Item name="parts" label={t("debt.parts")} htmlFor={`${formId}-parts`} rules={[{ required: true, message: t("debt.partsRequired") }]}>
          <InputNumber id={`${formId}-parts`} min={1} max={36} precision={0} style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="note" label={t("debt.note")} htmlFor={`${formId}-note`}>
          <Input.TextArea id={`${formId}-note`} rows={2} maxLength={500} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" loading={request.isPending}>
            {t("debt.request")}
          </Button>
        </Space>
      </Form>
    </Card>
  );
}
