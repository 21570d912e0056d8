// One ЕПД: the amount due, the due date, each payee's block with its lines, the PDF and «Оплатить».
import { ArrowLeftOutlined, CreditCardOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Descriptions, Flex, Space, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router-dom";
import { formatDate, formatMoney, formatMonth, formatQuantity, toKopecks } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import type { CabinetDocumentQuery } from "../../gql/graphql";
import { METHODS } from "../common";
import { labelOf } from "../../shared/labels";
import { DocumentQuery } from "../queries";
import { ResponsiveTable } from "../ResponsiveTable";
import { PdfButton } from "./PdfButton";

type Doc = NonNullable<CabinetDocumentQuery["residentDocument"]>;
type Payee = Doc["payees"][number];
type Line = Payee["lines"][number];

export default function DocumentPage() {
  const { t } = useTranslation("cabinet");
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const doc = useGql(DocumentQuery, { id });
  const d = doc.data?.residentDocument;
  return (
    <Flex vertical gap={16}>
      <div>
        <Button type="link" icon={<ArrowLeftOutlined />} onClick={() => navigate("/documents")} style={{ padding: 0 }}>
          {t("document.all")}
        </Button>
      </div>
      <QueryState
        loading={doc.isLoading}
        error={doc.error}
        retry={() => doc.refetch()}
        empty={!d}
        emptyText={t("document.notFound")}
      >
        {d && (
          <>
            <Typography.Title level={2} style={{ margin: 0 }}>
              {t("common.epdFor", { month: formatMonth(d.month) })}
            </Typography.Title>
            {!d.isCurrent && (
              <Alert type="warning" showIcon title={t("document.replacedWarning")} />
            )}
            <Card>
              <Flex vertical gap={12}>
                <div>
                  <Typography.Text type="secondary">{t("document.amountDue")}</Typography.Text>
                  <div style={{ fontSize: 32, fontWeight: 600 }}>{formatMoney(d.totals.amountDue)}</div>
                  <Typography.Text>{t("document.payBy", { date: formatDate(d.dueDate) })}</Typography.Text>
                </div>
                <Space wrap>
                  <Button
                    type="primary"
                    size="large"
                    icon={<CreditCardOutlined />}
                    onClick={() => navigate(`/pay?els=${encodeURIComponent(d.els)}`)}
                  >
                    {t("common.pay")}
                  </Button>
                  <PdfButton id={d.id} ready={d.pdfReady} size="middle" />
                </Space>
                <Descriptions
                  size="small"
                  column={{ xs: 1, sm: 1, md: 2 }}
                  items={[
                    { key: "els", label: t("common.els"), children: d.els },
                    { key: "ipd", label: t("documents.ipd"), children: d.ipd },
                    { key: "payer", label: t("common.payer"), children: d.payer },
                    { key: "address", label: t("document.address"), children: d.address },
                    { key: "version", label: t("documents.version"), children: d.version },
                    { key: "paid", label: t("document.paidInPeriod"), children: formatMoney(d.totals.paid) },
                    { key: "charged", label: t("common.charged"), children: formatMoney(d.totals.charged) },
                    { key: "opening", label: t("document.opening"), children: formatMoney(d.totals.opening) },
                  ]}
                />
              </Flex>
            </Card>
            {d.payees.map((p) => (
              <PayeeBlock key={p.principalId} payee={p} />
            ))}
          </>
        )}
      </QueryState>
    </Flex>
  );
}

function PayeeBlock({ payee: p }: { payee: Payee }) {
  const { t } = useTranslation("cabinet");
  return (
    <Card
      title={<span style={{ whiteSpace: "normal" }}>{p.name}</span>}
      extra={<Tag color="blue">{formatMoney(p.amountDue)}</Tag>}
    >
      <Flex vertical gap={12}>
        <Typography.Text type="secondary">
          {t("document.payeeAccount", { account: p.accountNumber, inn: p.inn })}
        </Typography.Text>
        <ResponsiveTable<Line>
          caption={t("document.chargesCaption", { name: p.name })}
          rows={p.lines}
          rowKey={(l) => l.service}
          cardTitle={(l) => <span style={{ whiteSpace: "normal" }}>{l.service}</span>}
          columns={[
            { key: "service", title: t("common.service"), render: (l) => l.service, inCardTitle: true },
            {
              key: "qty",
              title: t("common.quantity"),
              render: (l) => `${formatQuantity(l.quantity)} ${l.unit}`,
            },
            { key: "method", title: t("document.method"), render: (l) => labelOf(t, METHODS, l.method) },
            { key: "rate", title: t("document.rate"), align: "right", render: (l) => (l.rate ? formatMoney(l.rate) : "—") },
            { key: "charged", title: t("common.charged"), align: "right", render: (l) => formatMoney(l.charged) },
            {
              key: "adj",
              title: t("document.adjustments"),
              align: "right",
              render: (l) =>
                [l.recalculated, l.benefits, l.penalties].every((v) => toKopecks(v) === 0)
                  ? "—"
                  : `${formatMoney(l.recalculated)} / ${formatMoney(l.benefits)} / ${formatMoney(l.penalties)}`,
            },
            { key: "total", title: t("document.total"), align: "right", render: (l) => <strong>{formatMoney(l.total)}</strong> },
          ]}
        />
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 2, md: 3 }}
          items={[
            { key: "o", label: t("document.opening"), children: formatMoney(p.opening) },
            { key: "paid", label: t("document.paid"), children: formatMoney(p.paid) },
            { key: "c", label: t("common.charged"), children: formatMoney(p.charged) },
            { key: "d", label: t("document.pastDebt"), children: formatMoney(p.debt) },
            { key: "due", label: t("common.amountDue"), children: <strong>{formatMoney(p.amountDue)}</strong> },
          ]}
        />
        {p.recalculations.length > 0 && (
          <Alert
            type="info"
            title={t("document.recalculations")}
            description={
              <ul style={{ margin: 0, paddingLeft: 18 }}>
                {p.recalculations.map((r, i) => (
                  <li key={i}>
                    {r.service}: {formatMoney(r.amount)} — {r.reason}
                    {r.comment ? ` (${r.comment})` : ""}
                  </li>
                ))}
              </ul>
            }
          />
        )}
      </Flex>
    </Card>
  );
}
