// «Обращения»: residents' appeals to the principal (list, search, new) and their change requests.
import { PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { graphql } from "../../gql";
import type { AppealStatus } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { useMe } from "../../shared/auth";
import { applyErrors } from "../../shared/forms";
import { QueryState } from "../../shared/QueryState";
import { formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../components/CursorPager";
import { APPEAL_STATUS } from "../labels";
import ChangeRequests from "./ChangeRequests";

const AppealsQuery = graphql(`
  query PortalAppeals($status: AppealStatus, $search: String, $first: Int, $after: String) {
    appeals(status: $status, search: $search, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id number subject status els authorName createdAt updatedAt }
    }
  }
`);

const AppealCreateMutation = graphql(`
  mutation PortalAppealCreate($els: String, $subject: String!, $text: String!) {
    appealCreate(els: $els, subject: $subject, text: $text) {
      errors { field message code }
      appeal { id }
    }
  }
`);

export default function AppealsPage() {
  const perms = new Set<string>(useMe().data?.me.permissions ?? []);
  const items = [
    ...(perms.has("APPEALS_MANAGE") ? [{ key: "appeals", label: "Обращения", children: <AppealList /> }] : []),
    ...(perms.has("ACCOUNTS_VIEW") ? [{ key: "changes", label: "Заявки на изменение счёта", children: <ChangeRequests canResolve={perms.has("ACCOUNTS_MANAGE")} /> }] : []),
  ];
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Обращения
      </Typography.Title>
      <Tabs items={items} />
    </Space>
  );
}

function AppealList() {
  const [status, setStatus] = useState<AppealStatus | undefined>();
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);
  const pages = useCursorPages(20);
  const q = useGql(AppealsQuery, { status: status ?? null, search: search || null, first: pages.first, after: pages.after }, {
    placeholderData: (prev) => prev,
  });
  const data = q.data?.appeals;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Card>
        <Space wrap style={{ width: "100%", justifyContent: "space-between" }}>
          <Form layout="inline">
            <Form.Item label="Статус">
              <Select allowClear placeholder="Все" style={{ width: 180 }} value={status}
                onChange={(v) => { setStatus(v); pages.reset(); }}
                options={Object.entries(APPEAL_STATUS).map(([value, s]) => ({ value, label: s.label }))} />
            </Form.Item>
            <Form.Item label="Поиск">
              <Input.Search allowClear placeholder="Номер, тема, автор, ЕЛС" style={{ width: 280 }}
                onSearch={(v) => { setSearch(v.trim()); pages.reset(); }} />
            </Form.Item>
          </Form>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            Новое обращение
          </Button>
        </Space>
      </Card>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Table
          rowKey="id"
          loading={q.isFetching}
          dataSource={data?.nodes ?? []}
          pagination={false}
          scroll={{ x: 800 }}
          locale={{ emptyText: "Обращений нет" }}
          columns={[
            { title: "Номер", dataIndex: "number", render: (v: string, a) => <Link to={`/appeals/${a.id}`}>{v}</Link> },
            { title: "Тема", dataIndex: "subject" },
            { title: "Автор", dataIndex: "authorName" },
            { title: "ЕЛС", dataIndex: "els", render: (v: string | null) => v ?? "—" },
            { title: "Статус", dataIndex: "status", render: (s: string) => <Tag color={APPEAL_STATUS[s]?.color}>{APPEAL_STATUS[s]?.label ?? s}</Tag> },
            { title: "Обновлено", dataIndex: "updatedAt", render: formatDateTime },
          ]}
        />
        <CursorPager pages={pages} totalCount={data?.totalCount} hasNextPage={data?.pageInfo.hasNextPage} endCursor={data?.pageInfo.endCursor} loading={q.isFetching} />
      </QueryState>
      <NewAppeal open={creating} onClose={() => setCreating(false)} />
    </Space>
  );
}

function NewAppeal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [form] = Form.useForm();
  const navigate = useNavigate();
  const create = useGqlMutation(AppealCreateMutation, ["PortalAppeals"]);
  const [error, setError] = useState<string | null>(null);
  const submit = async (v: { els?: string; subject: string; text: string }) => {
    setError(null);
    try {
      const r = payload(await create.mutateAsync({ els: v.els?.trim() || null, subject: v.subject, text: v.text }));
      form.resetFields();
      onClose();
      if (r.appeal) navigate(`/appeals/${r.appeal.id}`);
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  return (
    <Modal open={open} title="Новое обращение" onCancel={onClose} okText="Зарегистрировать" cancelText="Отмена"
      onOk={() => form.submit()} confirmLoading={create.isPending} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item label="ЕЛС (необязательно)" name="els">
          <Input />
        </Form.Item>
        <Form.Item label="Тема" name="subject" rules={[{ required: true, message: "Укажите тему" }]}>
          <Input />
        </Form.Item>
        <Form.Item label="Текст обращения" name="text" rules={[{ required: true, message: "Опишите обращение" }]}>
          <Input.TextArea rows={5} />
        </Form.Item>
        {error && <Alert type="error" showIcon role="alert" title={error} />}
      </Form>
    </Modal>
  );
}
