// «Ключи API» (principal admins): keys with their permissions; a new key's secret is shown once.
import { PlusOutlined } from "@ant-design/icons";
import { Alert, Button, Form, Input, Modal, Popconfirm, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
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
          Ключи API
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          Создать ключ
        </Button>
      </Space>
      {error && <Alert type="error" showIcon role="alert" title={error} />}
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Table
          rowKey="id"
          dataSource={q.data?.apiKeys ?? []}
          pagination={false}
          scroll={{ x: 900 }}
          locale={{ emptyText: "Ключей нет" }}
          columns={[
            { title: "Название", dataIndex: "name" },
            { title: "Префикс", dataIndex: "prefix", render: (p: string) => <Typography.Text code>{p}…</Typography.Text> },
            { title: "Права", dataIndex: "permissions", render: (ps: string[]) => <Space wrap size={4}>{ps.map((p) => <Tag key={p}>{label(p)}</Tag>)}</Space> },
            { title: "Создан", dataIndex: "createdAt", render: formatDateTime },
            { title: "Последнее использование", dataIndex: "lastUsedAt", render: (v: string | null) => (v ? formatDateTime(v) : "не использовался") },
            { title: "Состояние", render: (_v, k) => (k.isActive ? <Tag color="green">действует</Tag> : <Tag color="red">отозван {formatDateTime(k.revokedAt)}</Tag>) },
            {
              title: "",
              render: (_v, k) =>
                k.isActive ? (
                  <Popconfirm title={`Отозвать ключ «${k.name}»?`} description="Программы, которые им пользуются, потеряют доступ." okText="Отозвать" okButtonProps={{ danger: true }} cancelText="Отмена" onConfirm={() => doRevoke(k.id)}>
                    <Button size="small" danger aria-label={`Отозвать ключ ${k.name}`}>
                      Отозвать
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
      <Modal open title="Ключ создан" closable={false} maskClosable={false} keyboard={false}
        footer={<Button type="primary" onClick={onClose}>Я сохранил ключ</Button>}>
        <Alert type="warning" showIcon title="Ключ показывается только один раз" description="Скопируйте его и сохраните в надёжном месте: потом его нельзя будет посмотреть снова, только создать новый." style={{ marginBottom: 16 }} />
        <Typography.Paragraph copyable={{ text: secret, tooltips: ["Копировать", "Скопировано"] }} code style={{ wordBreak: "break-all" }} aria-label="Ключ API">
          {secret}
        </Typography.Paragraph>
      </Modal>
    );
  }
  return (
    <Modal open width={720} title="Новый ключ API" onCancel={onClose} onOk={() => form.submit()} okText="Создать" cancelText="Отмена" confirmLoading={create.isPending}>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ permissions: ["READINGS_MANAGE"] }}>
        <Form.Item label="Название" name="name" rules={[{ required: true, message: "Назовите ключ, например по программе, которая им пользуется" }]}>
          <Input />
        </Form.Item>
        <Form.Item label="Права" name="permissions" rules={[{ required: true, type: "array", min: 1, message: "Выберите хотя бы одно право" }]}>
          <PermissionsField />
        </Form.Item>
        {error && <Alert type="error" showIcon role="alert" title={error} />}
      </Form>
    </Modal>
  );
}
