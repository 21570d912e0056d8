// Residents' requests to change an account (persons, payer's name, other): accept or reject with an answer.
import { Alert, Button, Form, Input, Modal, Radio, Select, Space, Table, Tag } from "antd";
import { useState } from "react";
import { graphql } from "../../gql";
import type { ChangeRequestStatus, PortalChangeRequestsQuery } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { QueryState } from "../../shared/QueryState";
import { formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { CHANGE_KIND, CHANGE_STATUS } from "../labels";

const ChangeRequestsQuery = graphql(`
  query PortalChangeRequests($status: ChangeRequestStatus) {
    changeRequests(status: $status) {
      id els accountNumber kind persons payerName comment status answer createdAt resolvedAt
    }
  }
`);

const ResolveMutation = graphql(`
  mutation PortalChangeRequestResolve($id: ID!, $accept: Boolean!, $answer: String) {
    changeRequestResolve(id: $id, accept: $accept, answer: $answer) {
      errors { field message code }
      request { id status answer }
    }
  }
`);

type Request = PortalChangeRequestsQuery["changeRequests"][number];

function wanted(r: Request) {
  if (r.kind === "PERSONS") return `Проживает: ${r.persons ?? "—"}`;
  if (r.kind === "PAYER_NAME") return `Плательщик: ${r.payerName ?? "—"}`;
  return r.comment || "—";
}

export default function ChangeRequests({ canResolve }: { canResolve: boolean }) {
  const [status, setStatus] = useState<ChangeRequestStatus | undefined>("NEW");
  const q = useGql(ChangeRequestsQuery, { status: status ?? null });
  const [current, setCurrent] = useState<Request | null>(null);
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Form layout="inline">
        <Form.Item label="Статус заявки">
          <Select allowClear placeholder="Все" style={{ width: 180 }} value={status} onChange={setStatus}
            options={Object.entries(CHANGE_STATUS).map(([value, s]) => ({ value, label: s.label }))} />
        </Form.Item>
      </Form>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Table
          rowKey="id"
          dataSource={q.data?.changeRequests ?? []}
          pagination={{ pageSize: 20 }}
          scroll={{ x: 900 }}
          locale={{ emptyText: "Заявок нет" }}
          columns={[
            { title: "Поступила", dataIndex: "createdAt", render: formatDateTime },
            { title: "Лицевой счёт", dataIndex: "accountNumber" },
            { title: "Что изменить", dataIndex: "kind", render: (k: string) => CHANGE_KIND[k] ?? k },
            { title: "Просьба", render: (_v, r) => wanted(r) },
            { title: "Комментарий", dataIndex: "comment" },
            { title: "Статус", dataIndex: "status", render: (s: string) => <Tag color={CHANGE_STATUS[s]?.color}>{CHANGE_STATUS[s]?.label ?? s}</Tag> },
            { title: "Ответ", dataIndex: "answer" },
            ...(canResolve
              ? [{
                  title: "",
                  render: (_v: unknown, r: Request) =>
                    r.status === "NEW" ? <Button size="small" onClick={() => setCurrent(r)}>Рассмотреть</Button> : null,
                }]
              : []),
          ]}
        />
      </QueryState>
      {current && <Resolve request={current} onClose={() => setCurrent(null)} />}
    </Space>
  );
}

function Resolve({ request, onClose }: { request: Request; onClose: () => void }) {
  const [form] = Form.useForm();
  const resolve = useGqlMutation(ResolveMutation, ["PortalChangeRequests", "PortalAccounts", "PortalAccountCard"]);
  const [error, setError] = useState<string | null>(null);
  const accept = Form.useWatch("accept", form);
  const submit = async (v: { accept: boolean; answer?: string }) => {
    setError(null);
    try {
      payload(await resolve.mutateAsync({ id: request.id, accept: v.accept, answer: v.answer?.trim() || null }));
      onClose();
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  return (
    <Modal open title={`Заявка по счёту ${request.accountNumber}`} onCancel={onClose} onOk={() => form.submit()}
      okText="Сохранить решение" cancelText="Отмена" confirmLoading={resolve.isPending}>
      <p>
        {CHANGE_KIND[request.kind]}: {wanted(request)}
      </p>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ accept: true }}>
        <Form.Item label="Решение" name="accept">
          <Radio.Group>
            <Radio value={true}>Принять{request.kind !== "OTHER" ? " (счёт будет изменён)" : ""}</Radio>
            <Radio value={false}>Отклонить</Radio>
          </Radio.Group>
        </Form.Item>
        <Form.Item label="Ответ жителю" name="answer" rules={[{ required: accept === false, message: "При отказе ответ обязателен" }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
        {error && <Alert type="error" showIcon role="alert" title={error} />}
      </Form>
    </Modal>
  );
}
