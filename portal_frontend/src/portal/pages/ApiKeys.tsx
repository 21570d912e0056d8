// «Ключи API» (principal admins): keys with their permissions; a new key's secret is shown once.
import { PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Form, Input, Modal, Popconfirm, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { Permission } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { QueryState } from "../../shared/QueryState";
import { formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { PermissionsField, usePermissionLabels } from "../components/PermissionsField";

const KeysQuery = graphql(`
  query PortalApiKeys {
    apiKeys { id name prefix permissions createdAt lastUsedAt revokedAt isActive }
  }
`);

const CreateMutation = graphql(`
  mutation PortalApiKeyCreate($name: String!, $permissions: [Permission!]!) {
    apiKeyCreate(name: $name, permissions: $permissions) {
      errors { field message code }
      key
      apiKey { id name }
    }
  }
`);

const RevokeMutation = graphql(`
  mutation PortalApiKeyRevoke($id: ID!) {
    apiKeyRevoke(id: $id) {
      errors { field message code }
      apiKey { id isActive }
    }
  }
`);

export default function ApiKeysPage() {
  const { t } = useTranslation("portal");
  const q = useGql(KeysQuery);
  const revoke = useGqlMutation(RevokeMutation, ["PortalApiKeys"]);
  const { label } = usePermissionLabels();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const doRevoke = async (id: string) => {
    setError(null);
    try {
      payload(await revoke.mutateAsync({ id }));
    } catch (exc) {
      setError(applyErrors(null, exc));
    }
  };
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Space wrap style={{ width: "100%", justifyContent: "space-between" }}>
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t("apiKeys.title")}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t("apiKeys.create")}
        </Button>
      </Space>
      {error && <Alert type="error" showIcon role="alert" title={error} />}
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Table
          rowKey="id"
          dataSource={q.data?.apiKeys ?? []}
          pagination={false}
          scroll={{ x: 900 }}
          locale={{ emptyText: t("apiKeys.empty") }}
          columns={[
            { title: t("apiKeys.name"), dataIndex: "name" },
            { title: t("apiKeys.prefix"), dataIndex: "prefix", render: (p: string) => <Typography.Text code>{p}…</Typography.Text> },
            { title: t("apiKeys.permissions"), dataIndex: "permissions", render: (ps: string[]) => <Space wrap size={4}>{ps.map((p) => <Tag key={p}>{label(p)}</Tag>)}</Space> },
            { title: t("apiKeys.created"), dataIndex: "createdAt", render: formatDateTime },
            { title: t("apiKeys.lastUsed"), dataIndex: "lastUsedAt", render: (v: string | null) => (v ? formatDateTime(v) : t("apiKeys.neverUsed")) },
            { title: t("apiKeys.state"), render: (_v, k) => (k.isActive ? <Tag color="green">{t("apiKeys.active")}</Tag> : <Tag color="red">{t("apiKeys.revoked", { date: formatDateTime(k.revokedAt) })}</Tag>) },
            {
              title: "",
              render: (_v, k) =>
                k.isActive ? (
                  <Popconfirm title={t("apiKeys.revokeConfirm", { name: k.name })} description={t("apiKeys.revokeDescription")} okText={t("apiKeys.revoke")} okButtonProps={{ danger: true }} cancelText={t("apiKeys.cancel")} onConfirm={() => doRevoke(k.id)}>
                    <Button size="small" danger aria-label={t("apiKeys.revokeAria", { name: k.name })}>
                      {t("apiKeys.revoke")}
                    </Button>
                  </Popconfirm>
                ) : null,
            },
          ]}
        />
      </QueryState>
      {creating && <CreateKey onClose={() => setCreating(false)} />}
    </Space>
  );
}

function CreateKey({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation("portal");
  const [form] = Form.useForm<{ name: string; permissions: Permission[] }>();
  const create = useGqlMutation(CreateMutation, ["PortalApiKeys"]);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const submit = async (v: { name: string; permissions: Permission[] }) => {
    setError(null);
    try {
      const r = payload(await create.mutateAsync({ name: v.name.trim(), permissions: v.permissions ?? [] }));
      setSecret(r.key ?? "");
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  if (secret !== null) {
    return (
      <Modal open title={t("apiKeys.createdTitle")} closable={false} maskClosable={false} keyboard={false}
        footer={<Button type="primary" onClick={onClose}>{t("apiKeys.saved")}</Button>}>
        <Alert type="warning" showIcon title={t("apiKeys.shownOnce")} description={t("apiKeys.shownOnceDescription")} style={{ marginBottom: 16 }} />
        <Typography.Paragraph copyable={{ text: secret, tooltips: [t("apiKeys.copy"), t("apiKeys.copied")] }} code style={{ wordBreak: "break-all" }} aria-label={t("apiKeys.secretAria")}>
          {secret}
        </Typography.Paragraph>
      </Modal>
    );
  }
  return (
    <Modal open width={720} title={t("apiKeys.newTitle")} onCancel={onClose} onOk={() => form.submit()} okText={t("apiKeys.createOk")} cancelText={t("apiKeys.cancel")} confirmLoading={create.isPending}>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ permissions: ["READINGS_MANAGE"] }}>
        <Form.Item label={t("apiKeys.name")} name="name" rules={[{ required: true, message: t("apiKeys.nameRequired") }]}>
          <Input />
        </Form.Item>
        <Form.Item label={t("apiKeys.permissions")} name="permissions" rules={[{ required: true, type: "array", min: 1, message: t("apiKeys.permissionsRequired") }]}>
          <PermissionsField />
        </Form.Item>
        {error && <Alert type="error" showIcon role="alert" title={error} />}
      </Form>
    </Modal>
  );
}
