// One ЕПД: the amount due, the due date, each payee's block with its lines, the PDF and «Оплатить».
import { ArrowLeftOutlined, CreditCardOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Descriptions, Flex, Space, Tag, Typography } from "antd";
import { useNavigate, useParams } from "react-router-dom";
import { formatDate, formatMoney, formatMonth, toKopecks } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import type { CabinetDocumentQuery } from "../../gql/graphql";
import { formatQuantity, METHODS } from "../common";
import { DocumentQuery } from "../queries";
import { ResponsiveTable } from "../ResponsiveTable";
import { PdfButton } from "./PdfButton";

type Doc = NonNullable<CabinetDocumentQuery["residentDocument"]>;
type Payee = Doc["payees"][number];
type Line = Payee["lines"][number];

export default function DocumentPage() {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const doc = useGql(DocumentQuery, { id });
  const d = doc.data?.residentDocument;
  return (
    <Flex vertical gap={16}>
      <div>
        <Button type="link" icon={<ArrowLeftOutlined />} onClick={() => navigate("/documents")} style={{ padding: 0 }}>
          Все документы
        </Button>
      </div>
      <QueryState
        loading={doc.isLoading}
        error={doc.error}
        retry={() => doc.refetch()}
        empty={!d}
        emptyText="Документ не найден"
      >
        {d && (
          <>
            <Typography.Title level={2} style={{ margin: 0 }}>
              ЕПД за {formatMonth(d.month)}
            </Typography.Title>
            {!d.isCurrent && (
              <Alert type="warning" showIcon title="Эта версия документа заменена исправленной." />
            )}
            <Card>
              <Flex vertical gap={12}>
                <div>
                  <Typography.Text type="secondary">Сумма к оплате</Typography.Text>
                  <div style={{ fontSize: 32, fontWeight: 600 }}>{formatMoney(d.totals.amountDue)}</div>
                  <Typography.Text>Оплатить до {formatDate(d.dueDate)}</Typography.Text>
                </div>
                <Space wrap>
                  <Button
                    type="primary"
                    size="large"
                    icon={<CreditCardOutlined />}
                    onClick={() => navigate(`/pay?els=${encodeURIComponent(d.els)}`)}
                  >
                    Оплатить
                  </Button>
                  <PdfButton id={d.id} ready={d.pdfReady} size="middle" />
                </Space>
                <Descriptions
                  size="small"
                  column={{ xs: 1, sm: 1, md: 2 }}
                  items={[
                    { key: "els", label: "ЕЛС", children: d.els },
                    { key: "ipd", label: "ИПД", children: d.ipd },
                    { key: "payer", label: "Плательщик", children: d.payer },
                    { key: "address", label: "Адрес", children: d.address },
                    { key: "version", label: "Версия", children: d.version },
                    { key: "paid", label: "Оплачено в периоде", children: formatMoney(d.totals.paid) },
                    { key: "charged", label: "Начислено", children: formatMoney(d.totals.charged) },
                    { key: "opening", label: "Долг на начало", children: formatMoney(d.totals.opening) },
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
  return (
    <Card
      title={<span style={{ whiteSpace: "normal" }}>{p.name}</span>}
      extra={<Tag color="blue">{formatMoney(p.amountDue)}</Tag>}
    >
      <Flex vertical gap={12}>
        <Typography.Text type="secondary">
          Лицевой счёт {p.accountNumber} · ИНН {p.inn}
        </Typography.Text>
        <ResponsiveTable<Line>
          caption={`Начисления: ${p.name}`}
          rows={p.lines}
          rowKey={(l) => l.service}
          cardTitle={(l) => <span style={{ whiteSpace: "normal" }}>{l.service}</span>}
          columns={[
            { key: "service", title: "Услуга", render: (l) => l.service, inCardTitle: true },
            {
              key: "qty",
              title: "Объём",
              render: (l) => `${formatQuantity(l.quantity)} ${l.unit}`,
            },
            { key: "method", title: "Как рассчитано", render: (l) => METHODS[l.method] ?? l.method },
            { key: "rate", title: "Тариф", align: "right", render: (l) => (l.rate ? formatMoney(l.rate) : "—") },
            { key: "charged", title: "Начислено", align: "right", render: (l) => formatMoney(l.charged) },
            {
              key: "adj",
              title: "Перерасчёт, льготы, пени",
              align: "right",
              render: (l) =>
                [l.recalculated, l.benefits, l.penalties].every((v) => toKopecks(v) === 0)
                  ? "—"
                  : `${formatMoney(l.recalculated)} / ${formatMoney(l.benefits)} / ${formatMoney(l.penalties)}`,
            },
            { key: "total", title: "Итого", align: "right", render: (l) => <strong>{formatMoney(l.total)}</strong> },
          ]}
        />
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 2, md: 3 }}
          items={[
            { key: "o", label: "Долг на начало", children: formatMoney(p.opening) },
            { key: "paid", label: "Оплачено", children: formatMoney(p.paid) },
            { key: "c", label: "Начислено", children: formatMoney(p.charged) },
            { key: "d", label: "Долг прошлых периодов", children: formatMoney(p.debt) },
            { key: "due", label: "К оплате", children: <strong>{formatMoney(p.amountDue)}</strong> },
          ]}
        />
        {p.recalculations.length > 0 && (
          <Alert
            type="info"
            title="Перерасчёты"
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
