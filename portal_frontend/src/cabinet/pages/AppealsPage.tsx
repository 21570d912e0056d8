// «Обращения»: the resident's appeals (server-side pages) and a form to write to the agent or a principal.
import { Button, Card, Flex, Form, Select, Space, Typography } from "antd";
import { useState } from "react";
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
        Обращения
      </Typography.Title>
      <AppealForm onCreated={(id) => navigate(`/appeals/${id}`)} />
      <Card title="Мои обращения">
        <Form layout="vertical" style={{ maxWidth: 240 }}>
          <Form.Item label="Состояние" htmlFor="cabinet-appeal-status">
            <Select
              id="cabinet-appeal-status"
              allowClear
              placeholder="Все"
              value={status}
              onChange={(v) => {
                setStatus(v);
                setCursors([null]);
              }}
              options={[
                { value: "OPEN", label: "Открытые" },
                { value: "ANSWERED", label: "С ответом" },
                { value: "CLOSED", label: "Закрытые" },
              ]}
            />
          </Form.Item>
        </Form>
        <QueryState
          loading={appeals.isLoading}
          error={appeals.error}
          retry={() => appeals.refetch()}
          empty={data?.totalCount === 0}
          emptyText="Обращений пока нет"
        >
          <ResponsiveTable<Appeal>
            caption="Мои обращения"
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
                title: "Номер",
                render: (a) => (
                  <a href={`/appeals/${a.id}`} onClick={(e) => (e.preventDefault(), navigate(`/appeals/${a.id}`))}>
                    {a.number}
                  </a>
                ),
              },
              { key: "subject", title: "Тема", render: (a) => a.subject },
              { key: "to", title: "Кому", render: (a) => a.principalName ?? "ЕРЦ (агент)" },
              { key: "els", title: "ЕЛС", render: (a) => a.els ?? "—" },
              { key: "status", title: "Состояние", render: (a) => <AppealStatusTag status={a.status} /> },
              { key: "updated", title: "Обновлено", render: (a) => formatDateTime(a.updatedAt) },
            ]}
          />
          <Space style={{ marginTop: 12 }} wrap>
            <Button disabled={page === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Назад
            </Button>
            <Typography.Text>
              Страница {page + 1} из {pages} · всего {data?.totalCount ?? 0}
            </Typography.Text>
            <Button
              disabled={!data?.pageInfo.hasNextPage}
              onClick={() => setCursors((c) => [...c, data?.pageInfo.endCursor ?? null])}
            >
              Дальше
            </Button>
          </Space>
        </QueryState>
      </Card>
    </Flex>
  );
}
