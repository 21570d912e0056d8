// «Обращения»: the resident's appeals (server-side pages) and a form to write to the agent or a principal.
import { Button, Card, Flex, Form, Select, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { formatDateTime } from "../../shared/format";
import { useGql } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import type { AppealStatus, CabinetAppealsQuery } from "../../gql/graphql";
import { AppealStatusTag } from "../common";
import { AppealsQuery } from "../queries";
import { ResponsiveTable } from "../ResponsiveTable";
import { AppealForm } from "./AppealForm";

type Appeal = CabinetAppealsQuery["appeals"]["nodes"][number];
const PAGE = 10;

export default function AppealsPage() {
  const { t } = useTranslation("cabinet");
  const navigate = useNavigate();
  const [status, setStatus] = useState<AppealStatus | undefined>();
  // cursors[i] is the "after" of page i+1 (keyset pages: one can only step forward and back)
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const page = cursors.length - 1;
  const appeals = useGql(AppealsQuery, { first: PAGE, after: cursors[page], status: status ?? null });
  const data = appeals.data?.appeals;
  const pages = data ? Math.max(1, Math.ceil(data.totalCount / PAGE)) : 1;

  return (
    <Flex vertical gap={16}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("appeals.title")}
      </Typography.Title>
      <AppealForm onCreated={(id) => navigate(`/appeals/${id}`)} />
      <Card title={t("appeals.mine")}>
        <Form layout="vertical" style={{ maxWidth: 240 }}>
          <Form.Item label={t("common.status")} htmlFor="cabinet-appeal-status">
            <Select
              id="cabinet-appeal-status"
              allowClear
              placeholder={t("appeals.all")}
              value={status}
              onChange={(v) => {
                setStatus(v);
                setCursors([null]);
              }}
              options={[
                { value: "OPEN", label: t("appeals.filterOpen") },
                { value: "ANSWERED", label: t("appeals.filterAnswered") },
                { value: "CLOSED", label: t("appeals.filterClosed") },
              ]}
            />
          </Form.Item>
        </Form>
        <QueryState
          loading={appeals.isLoading}
          error={appeals.error}
          retry={() => appeals.refetch()}
          empty={data?.totalCount === 0}
          emptyText={t("appeals.empty")}
        >
          <ResponsiveTable<Appeal>
            caption={t("appeals.mine")}
            loading={appeals.isFetching}
            rows={data?.nodes ?? []}
            rowKey={(a) => a.id}
            cardTitle={(a) => (
              <a href={`/appeals/${a.id}`} onClick={(e) => (e.preventDefault(), navigate(`/appeals/${a.id}`))}>
                {a.number} · {a.subject}
              </a>
            )}
            columns={[
              {
                key: "number",
                title: t("appeals.number"),
                render: (a) => (
                  <a href={`/appeals/${a.id}`} onClick={(e) => (e.preventDefault(), navigate(`/appeals/${a.id}`))}>
                    {a.number}
                  </a>
                ),
              },
              { key: "subject", title: t("appeals.subject"), render: (a) => a.subject },
              { key: "to", title: t("appeals.to"), render: (a) => a.principalName ?? t("appeals.agent") },
              { key: "els", title: t("common.els"), render: (a) => a.els ?? "—" },
              { key: "status", title: t("common.status"), render: (a) => <AppealStatusTag status={a.status} /> },
              { key: "updated", title: t("appeals.updated"), render: (a) => formatDateTime(a.updatedAt) },
            ]}
          />
          <Space style={{ marginTop: 12 }} wrap>
            <Button disabled={page === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
              {t("appeals.back")}
            </Button>
            <Typography.Text>
              {t("appeals.pageOf", { page: page + 1, pages, total: data?.totalCount ?? 0 })}
            </Typography.Text>
            <Button
              disabled={!data?.pageInfo.hasNextPage}
              onClick={() => setCursors((c) => [...c, data?.pageInfo.endCursor ?? null])}
            >
              {t("appeals.next")}
            </Button>
          </Space>
        </QueryState>
      </Card>
    </Flex>
  );
}
