// "ЕПД": the documents of the linked households, newest first.
import { Button, Flex, Switch, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
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
  const { t } = useTranslation("cabinet");
  const [els, setEls] = useChosenEls();
  const [allVersions, setAllVersions] = useState(false);
  const navigate = useNavigate();
  const docs = useGql(DocumentsQuery, { els: els ?? null, allVersions }, { enabled: !!els });
  const rows = docs.data?.residentDocuments ?? [];
  return (
    <Flex vertical gap={16}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("documents.title")}
      </Typography.Title>
      <HouseholdPicker els={els} onChange={setEls} />
      <Flex gap={8} align="center">
        <Switch id="cabinet-all-versions" checked={allVersions} onChange={setAllVersions} />
        <label htmlFor="cabinet-all-versions">{t("documents.showVersions")}</label>
      </Flex>
      <QueryState
        loading={docs.isLoading}
        error={docs.error}
        retry={() => docs.refetch()}
        empty={!els || rows.length === 0}
        emptyText={els ? t("documents.empty") : t("common.linkFirst")}
      >
        <ResponsiveTable<Doc>
          caption={t("documents.caption")}
          rows={rows}
          rowKey={(d) => d.id}
          cardTitle={(d) => <Link to={`/documents/${d.id}`}>{t("common.epdFor", { month: formatMonth(d.month) })}</Link>}
          columns={[
            {
              key: "month",
              title: t("common.month"),
              render: (d) => <Link to={`/documents/${d.id}`}>{formatMonth(d.month)}</Link>,
            },
            { key: "ipd", title: t("documents.ipd"), render: (d) => d.ipd },
            {
              key: "version",
              title: t("documents.version"),
              render: (d) => (
                <>
                  {d.version} {d.isCurrent ? <Tag color="green">{t("documents.current")}</Tag> : <Tag>{t("documents.replaced")}</Tag>}
                </>
              ),
            },
            { key: "due", title: t("documents.dueDate"), render: (d) => formatDate(d.dueDate) },
            { key: "total", title: t("common.sum"), align: "right", render: (d) => formatMoney(d.totalDue) },
            {
              key: "actions",
              title: t("documents.actions"),
              render: (d) => (
                <Flex gap={8} wrap>
                  <Button size="small" onClick={() => navigate(`/documents/${d.id}`)}>
                    {t("documents.open")}
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
