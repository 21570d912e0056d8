// «Обращения»: residents' appeals to the principal (list, search, new) and their change requests.
import { PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { graphql } from "../../gql";
import type { AppealStatus } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { useCan } from "../../shared/auth";
import { applyErrors } from "../../shared/forms";
import { QueryState } from "../../shared/QueryState";
import { formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { CursorPager, useCursorPages } from "../../shared/CursorPager";
import { APPEAL_STATUS } from "../labels";
import { labelOf, optionsOf } from "../../shared/labels";
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
  const { t } = useTranslation("portal");
  const canAppeals = useCan("APPEALS_MANAGE");
  const canAccounts = useCan("ACCOUNTS_VIEW");
  const canResolve = useCan("ACCOUNTS_MANAGE");
  const items = [
    ...(canAppeals ? [{ key: "appeals", label: t("appeals.tabs.appeals"), children: <AppealList /> }] : []),
    ...(canAccounts ? [{ key: "changes", label: t("appeals.tabs.changes"), children: <ChangeRequests canResolve={canResolve} /> }] : []),
  ];
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        {t("appeals.title")}
      </Typography.Title>
      <Tabs items={items} />
    </Space>
  );
}

function AppealList() {
  const { t } = useTranslation("portal");
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
            <Form.Item label={t("appeals.status")}>
              <Select allowClear placeholder={t("appeals.all")} style={{ width: 180 }} value={status}
                onChange={(v) => { setStatus(v); pages.reset(); }}
                options={optionsOf(t, APPEAL_STATUS)} />
            </Form.Item>
            <Form.Item label={t("appeals.search")}>
              <Input.Search allowClear placeholder={t("appeals.searchPlaceholder")} style={{ width: 280 }}
                onSearch={(v) => { setSearch(v.trim()); pages.reset(); }} />
            </Form.Item>
          </Form>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            {t("appeals.new")}
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
          locale={{ emptyText: t("appeals.empty") }}
          columns={[
            { title: t("appeals.number"), dataIndex: "number", render: (v: string, a) => <Link to={`/appeals/${a.id}`}>{v}</Link> },
            { title: t("appeals.subject"), dataIndex: "subject" },
            { title: t("appeals.author"), dataIndex: "authorName" },
            { title: t("appeals.els"), dataIndex: "els", render: (v: string | null) => v ?? "—" },
            { title: t("appeals.status"), dataIndex: "status", render: (s: string) => <Tag color={APPEAL_STATUS[s]?.color}>{labelOf(t, APPEAL_STATUS, s)}</Tag> },
            { title: t("appeals.updated"), dataIndex: "updatedAt", render: formatDateTime },
          ]}
        />
        <CursorPager pages={pages} totalCount={data?.totalCount} hasNextPage={data?.pageInfo.hasNextPage} endCursor={data?.pageInfo.endCursor} loading={q.isFetching} />
      </QueryState>
      <NewAppeal open={creating} onClose={() => setCreating(false)} />
    </Space>
  );
}

function NewAppeal({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation("portal");
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
    <Modal open={open} title={t("appeals.create.title")} onCancel={onClose} okText={t("appeals.create.ok")} cancelText={t("appeals.create.cancel")}
      onOk={() => form.submit()} confirmLoading={create.isPending} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item label={t("appeals.create.els")} name="els">
          <Input />
        </Form.Item>
        <Form.Item label={t("appeals.create.subject")} name="subject" rules={[{ required: true, message: t("appeals.create.subjectRequired") }]}>
          <Input />
        </Form.Item>
        <Form.Item label={t("appeals.create.text")} name="text" rules={[{ required: true, message: t("appeals.create.textRequired") }]}>
          <Input.TextArea rows={5} />
        </Form.Item>
        {error && <Alert type="error" showIcon role="alert" title={error} />}
      </Form>
    </Modal>
  );
}
