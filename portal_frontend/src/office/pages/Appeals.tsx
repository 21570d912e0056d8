// «Обращения»: appeals to the agent, one appeal's conversation, reply and close.
import { ArrowLeftOutlined } from "@ant-design/icons";
import { App, Button, Card, Checkbox, Form, Input, List, Select, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { graphql } from "../../gql";
import type { AppealStatus } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { QueryState } from "../../shared/QueryState";
import { applyErrors } from "../../shared/forms";
import { formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { useCan } from "../../shared/auth";
import { ErrorBanner, PageTitle, type OfficeKey } from "../common";

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

const STATUS: Record<string, { label: OfficeKey; color: string }> = {
  OPEN: { label: "appealStatus.OPEN", color: "red" },
  ANSWERED: { label: "appealStatus.ANSWERED", color: "blue" },
  CLOSED: { label: "appealStatus.CLOSED", color: "default" },
};

export default function AppealsPage() {
  const { t } = useTranslation("office");
  const cursor = useCursorPages(20);
  const [status, setStatus] = useState<AppealStatus | undefined>();
  const [search, setSearch] = useState("");
  const query = useGql(AppealsQuery, { status, search: search || null, first: cursor.first, after: cursor.after });
  const data = query.data?.appeals;

  return (
    <>
      <PageTitle>{t("appeals.title")}</PageTitle>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          aria-label={t("appeals.searchLabel")}
          placeholder={t("appeals.searchPlaceholder")}
          allowClear
          style={{ width: 320 }}
          onSearch={(v) => {
            setSearch(v.trim());
            cursor.reset();
          }}
        />
        <Select
          aria-label={t("appeals.statusLabel")}
          placeholder={t("appeals.allStatuses")}
          allowClear
          style={{ width: 200 }}
          value={status}
          onChange={(v) => {
            setStatus(v);
            cursor.reset();
          }}
          options={Object.entries(STATUS).map(([value, s]) => ({ value, label: t(s.label) }))}
        />
      </Space>
      <QueryState loading={false} error={query.error} retry={() => query.refetch()}>
        <Table
          rowKey="id"
          loading={query.isLoading}
          dataSource={data?.nodes ?? []}
          pagination={false}
          scroll={{ x: true }}
          locale={{ emptyText: t("appeals.empty") }}
          columns={[
            { title: t("appeals.columns.number"), dataIndex: "number", render: (n: string, a) => <Link to={`/appeals/${a.id}`}>{n}</Link> },
            { title: t("appeals.columns.subject"), dataIndex: "subject" },
            { title: t("appeals.columns.author"), dataIndex: "authorName" },
            { title: t("appeals.columns.els"), dataIndex: "els", render: (v: string | null) => v ?? "—" },
            {
              title: t("common.status"),
              dataIndex: "status",
              render: (s: string) => <Tag color={STATUS[s]?.color}>{STATUS[s] ? t(STATUS[s].label) : s}</Tag>,
            },
            { title: t("appeals.columns.updated"), dataIndex: "updatedAt", render: formatDateTime },
          ]}
        />
        <CursorPager
          pages={cursor}
          totalCount={data?.totalCount}
          hasNextPage={data?.pageInfo.hasNextPage}
          endCursor={data?.pageInfo.endCursor}
          loading={query.isFetching}
        />
      </QueryState>
    </>
  );
}

export function AppealPage() {
  const { t } = useTranslation("office");
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
      message.success(t("appeal.replySent"));
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };

  const closeAppeal = async () => {
    setError(null);
    try {
      payload(await close.mutateAsync({ id }));
      message.success(t("appeal.closed"));
    } catch (exc) {
      setError(applyErrors(null, exc));
    }
  };

  return (
    <>
      <Link to="/appeals">
        <ArrowLeftOutlined /> {t("appeal.back")}
      </Link>
      <QueryState loading={query.isLoading} error={query.error} retry={() => query.refetch()} empty={!a} emptyText={t("appeal.notFound")}>
        {a && (
          <>
            <PageTitle
              extra={
                canManage &&
                a.status !== "CLOSED" && (
                  <Button onClick={closeAppeal} loading={close.isPending}>
                    {t("appeal.close")}
                  </Button>
                )
              }
            >
              {a.number}: {a.subject}
            </PageTitle>
            <Space wrap style={{ marginBottom: 16 }}>
              <Tag color={STATUS[a.status]?.color}>{STATUS[a.status] ? t(STATUS[a.status].label) : a.status}</Tag>
              <Typography.Text>{t("appeal.author", { name: a.authorName })}</Typography.Text>
              {a.els && <Typography.Text>{t("appeal.els", { els: a.els })}</Typography.Text>}
              <Typography.Text type="secondary">{t("appeal.created", { date: formatDateTime(a.createdAt) })}</Typography.Text>
            </Space>
            <ErrorBanner message={error} onClose={() => setError(null)} />
            <Card title={t("appeal.conversation")} style={{ marginBottom: 16 }}>
              <List
                dataSource={a.messages}
                renderItem={(m) => (
                  <List.Item>
                    <div style={{ width: "100%" }}>
                      <Space wrap>
                        <Typography.Text strong>{m.authorName}</Typography.Text>
                        {m.fromStaff && <Tag color="blue">{t("appeal.staff")}</Tag>}
                        <Typography.Text type="secondary">{formatDateTime(m.createdAt)}</Typography.Text>
                      </Space>
                      <Typography.Paragraph style={{ whiteSpace: "pre-wrap", marginBottom: 0 }}>{m.text}</Typography.Paragraph>
                    </div>
                  </List.Item>
                )}
              />
            </Card>
            {canManage && a.status !== "CLOSED" && (
              <Card title={t("appeal.reply")}>
                <Form form={form} layout="vertical" onFinish={send}>
                  <Form.Item label={t("appeal.replyText")} name="text" rules={[{ required: true, whitespace: true, message: t("appeal.replyRequired") }]}>
                    <Input.TextArea rows={4} />
                  </Form.Item>
                  <Form.Item name="close" valuePropName="checked">
                    <Checkbox>{t("appeal.closeWithReply")}</Checkbox>
                  </Form.Item>
                  <Button type="primary" htmlType="submit" loading={reply.isPending}>
                    {t("appeal.send")}
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
