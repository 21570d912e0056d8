// «Обращения»: appeals to the agent, one appeal's conversation, reply and close.
import { ArrowLeftOutlined } from "@ant-design/icons";
import { App, Button, Card, Checkbox, Form, Input, List, Select, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { graphql } from "../../gql";
import type { AppealStatus } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { applyErrors } from "../../shared/forms";
import { formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { CursorPager, ErrorBanner, PageTitle, useCan, useCursor } from "../common";

const AppealsQuery = graphql(`
  query OfficeAppeals($status: AppealStatus, $search: String, $first: Int, $after: String) {
    appeals(status: $status, search: $search, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id number subject status els principalName authorName createdAt updatedAt }
    }
  }
`);

const AppealQuery = graphql(`
  query OfficeAppeal($id: ID!) {
    appeal(id: $id) {
      id number subject status els principalName authorName createdAt updatedAt
      messages { id authorName fromStaff text createdAt }
    }
  }
`);

const ReplyMutation = graphql(`
  mutation OfficeAppealReply($id: ID!, $text: String!, $close: Boolean) {
    appealReply(id: $id, text: $text, close: $close) { errors { field message code } appeal { id status } }
  }
`);

const CloseMutation = graphql(`
  mutation OfficeAppealClose($id: ID!) {
    appealClose(id: $id) { errors { field message code } appeal { id status } }
  }
`);

const STATUS: Record<string, { label: string; color: string }> = {
  OPEN: { label: "новое", color: "red" },
  ANSWERED: { label: "отвечено", color: "blue" },
  CLOSED: { label: "закрыто", color: "default" },
};

export default function AppealsPage() {
  const cursor = useCursor(20);
  const [status, setStatus] = useState<AppealStatus | undefined>();
  const [search, setSearch] = useState("");
  const query = useGql(AppealsQuery, { status, search: search || null, first: cursor.first, after: cursor.after });
  const data = query.data?.appeals;

  return (
    <>
      <PageTitle>Обращения</PageTitle>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          aria-label="Поиск обращений"
          placeholder="Номер, тема, автор или ЕЛС"
          allowClear
          style={{ width: 320 }}
          onSearch={(v) => {
            setSearch(v.trim());
            cursor.reset();
          }}
        />
        <Select
          aria-label="Статус обращения"
          placeholder="Все статусы"
          allowClear
          style={{ width: 200 }}
          value={status}
          onChange={(v) => {
            setStatus(v);
            cursor.reset();
          }}
          options={Object.entries(STATUS).map(([value, s]) => ({ value, label: s.label }))}
        />
      </Space>
      <QueryState loading={false} error={query.error} retry={() => query.refetch()}>
        <Table
          rowKey="id"
          loading={query.isLoading}
          dataSource={data?.nodes ?? []}
          pagination={false}
          scroll={{ x: true }}
          locale={{ emptyText: "Обращений нет" }}
          columns={[
            { title: "Номер", dataIndex: "number", render: (n: string, a) => <Link to={`/appeals/${a.id}`}>{n}</Link> },
            { title: "Тема", dataIndex: "subject" },
            { title: "Автор", dataIndex: "authorName" },
            { title: "ЕЛС", dataIndex: "els", render: (v: string | null) => v ?? "—" },
            {
              title: "Статус",
              dataIndex: "status",
              render: (s: string) => <Tag color={STATUS[s]?.color}>{STATUS[s]?.label ?? s}</Tag>,
            },
            { title: "Изменено", dataIndex: "updatedAt", render: formatDateTime },
          ]}
        />
        <CursorPager
          cursor={cursor}
          total={data?.totalCount}
          hasNext={data?.pageInfo.hasNextPage}
          endCursor={data?.pageInfo.endCursor}
          loading={query.isFetching}
        />
      </QueryState>
    </>
  );
}

export function AppealPage() {
  const { id = "" } = useParams();
  const query = useGql(AppealQuery, { id });
  const canManage = useCan("APPEALS_MANAGE");
  const [form] = Form.useForm();
  const [error, setError] = useState<string | null>(null);
  const { message } = App.useApp();
  const reply = useGqlMutation(ReplyMutation, ["OfficeAppeal", "OfficeAppeals"]);
  const close = useGqlMutation(CloseMutation, ["OfficeAppeal", "OfficeAppeals"]);
  const a = query.data?.appeal;

  const send = async (values: { text: string; close?: boolean }) => {
    setError(null);
    try {
      payload(await reply.mutateAsync({ id, text: values.text, close: Boolean(values.close) }));
      form.resetFields();
      message.success("Ответ отправлен");
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  const closeAppeal = async () => {
    setError(null);
    try {
      payload(await close.mutateAsync({ id }));
      message.success("Обращение закрыто");
    } catch (exc) {
      setError(applyErrors(null, exc));
    }
  };

  return (
    <>
      <Link to="/appeals">
        <ArrowLeftOutlined /> Все обращения
      </Link>
      <QueryState loading={query.isLoading} error={query.error} retry={() => query.refetch()} empty={!a} emptyText="Обращение не найдено">
        {a && (
          <>
            <PageTitle
              extra={
                canManage &&
                a.status !== "CLOSED" && (
                  <Button onClick={closeAppeal} loading={close.isPending}>
                    Закрыть обращение
                  </Button>
                )
              }
            >
              {a.number}: {a.subject}
            </PageTitle>
            <Space wrap style={{ marginBottom: 16 }}>
              <Tag color={STATUS[a.status]?.color}>{STATUS[a.status]?.label ?? a.status}</Tag>
              <Typography.Text>Автор: {a.authorName}</Typography.Text>
              {a.els && <Typography.Text>ЕЛС {a.els}</Typography.Text>}
              <Typography.Text type="secondary">создано {formatDateTime(a.createdAt)}</Typography.Text>
            </Space>
            <ErrorBanner message={error} onClose={() => setError(null)} />
            <Card title="Переписка" style={{ marginBottom: 16 }}>
              <List
                dataSource={a.messages}
                renderItem={(m) => (
                  <List.Item>
                    <div style={{ width: "100%" }}>
                      <Space wrap>
                        <Typography.Text strong>{m.authorName}</Typography.Text>
                        {m.fromStaff && <Tag color="blue">сотрудник</Tag>}
                        <Typography.Text type="secondary">{formatDateTime(m.createdAt)}</Typography.Text>
                      </Space>
                      <Typography.Paragraph style={{ whiteSpace: "pre-wrap", marginBottom: 0 }}>{m.text}</Typography.Paragraph>
                    </div>
                  </List.Item>
                )}
              />
            </Card>
            {canManage && a.status !== "CLOSED" && (
              <Card title="Ответ">
                <Form form={form} layout="vertical" onFinish={send}>
                  <Form.Item label="Текст ответа" name="text" rules={[{ required: true, whitespace: true, message: "Напишите ответ" }]}>
                    <Input.TextArea rows={4} />
                  </Form.Item>
                  <Form.Item name="close" valuePropName="checked">
                    <Checkbox>Закрыть обращение этим ответом</Checkbox>
                  </Form.Item>
                  <Button type="primary" htmlType="submit" loading={reply.isPending}>
                    Отправить ответ
                  </Button>
                </Form>
              </Card>
            )}
          </>
        )}
      </QueryState>
    </>
  );
}
