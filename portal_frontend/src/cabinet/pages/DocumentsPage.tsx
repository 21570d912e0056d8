// "ЕПД": the documents of the linked households, newest first.
import { Button, Flex, Switch, Tag, Typography } from "antd";
import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { formatDate, formatMoney, formatMonth } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import type { CabinetDocumentsQuery } from "../../gql/graphql";
import { HouseholdPicker, useChosenEls } from "../common";
import { DocumentsQuery } from "../queries";
import { ResponsiveTable } from "../ResponsiveTable";
import { PdfButton } from "./PdfButton";

type Doc = CabinetDocumentsQuery["residentDocuments"][number];

export default function DocumentsPage() {
  const [els, setEls] = useChosenEls();
  const [allVersions, setAllVersions] = useState(false);
  const navigate = useNavigate();
  const docs = useGql(DocumentsQuery, { els: els ?? null, allVersions }, { enabled: !!els });
  const rows = docs.data?.residentDocuments ?? [];
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Платёжные документы (ЕПД)
      </Typography.Title>
      <HouseholdPicker els={els} onChange={setEls} />
      <Flex gap={8} align="center">
        <Switch id="cabinet-all-versions" checked={allVersions} onChange={setAllVersions} />
        <label htmlFor="cabinet-all-versions">Показать исправленные версии</label>
      </Flex>
      <QueryState
        loading={docs.isLoading}
        error={docs.error}
        retry={() => docs.refetch()}
        empty={!els || rows.length === 0}
        emptyText={els ? "Документов пока нет" : "Сначала подключите лицевой счёт на странице «Мои счета»"}
      >
        <ResponsiveTable<Doc>
          caption="Документы"
          rows={rows}
          rowKey={(d) => d.id}
          cardTitle={(d) => <Link to={`/documents/${d.id}`}>ЕПД за {formatMonth(d.month)}</Link>}
          columns={[
            {
              key: "month",
              title: "Месяц",
              render: (d) => <Link to={`/documents/${d.id}`}>{formatMonth(d.month)}</Link>,
            },
            { key: "ipd", title: "ИПД", render: (d) => d.ipd },
            {
              key: "version",
              title: "Версия",
              render: (d) => (
                <>
                  {d.version} {d.isCurrent ? <Tag color="green">действующая</Tag> : <Tag>заменена</Tag>}
                </>
              ),
            },
            { key: "due", title: "Оплатить до", render: (d) => formatDate(d.dueDate) },
            { key: "total", title: "Сумма", align: "right", render: (d) => formatMoney(d.totalDue) },
            {
              key: "actions",
              title: "Действия",
              render: (d) => (
                <Flex gap={8} wrap>
                  <Button size="small" onClick={() => navigate(`/documents/${d.id}`)}>
                    Открыть
                  </Button>
                  <PdfButton id={d.id} ready={d.pdfReady} size="small" />
                </Flex>
              ),
            },
          ]}
        />
      </QueryState>
    </Flex>
  );
}
