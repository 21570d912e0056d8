// Residents' requests to change an account (persons, payer's name, other): accept or reject with an answer.
import { Alert, Button, Form, Input, Modal, Radio, Select, Space, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { graphql } from "../../gql";
import type { ChangeRequestStatus, PortalChangeRequestsQuery } from "../../gql/graphql";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { QueryState } from "../../shared/QueryState";
import { formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { CHANGE_KIND, CHANGE_STATUS, type PortalT } from "../labels";
import { labelOf, optionsOf } from "../../shared/labels";

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

function wanted(t: PortalT, r: Request) {
  if (r.kind === "PERSONS") return t("changeRequests.persons", { value: r.persons ?? "—" });
  if (r.kind === "PAYER_NAME") return t("changeRequests.payer", { value: r.payerName ?? "—" });
  return r.comment || "—";
}

export default function ChangeRequests({ canResolve }: { canResolve: boolean }) {
  const { t } = useTranslation("portal");
  const [status, setStatus] = useState<ChangeRequestStatus | undefined>("NEW");
  const q = useGql(ChangeRequestsQuery, { status: status ?? null });
  const [current, setCurrent] = useState<Request | null>(null);
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Form layout="inline">
        <Form.Item label={t("changeRequests.statusFilter")}>
          <Select allowClear placeholder={t("changeRequests.all")} style={{ width: 180 }} value={status} onChange={setStatus}
            options={optionsOf(t, CHANGE_STATUS)} />
        </Form.Item>
      </Form>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch}>
        <Table
          rowKey="id"
          dataSource={q.data?.changeRequests ?? []}
          pagination={{ pageSize: 20 }}
          scroll={{ x: 900 }}
          locale={{ emptyText: t("changeRequests.empty") }}
          columns={[
            { title: t("changeRequests.received"), dataIndex: "createdAt", render: formatDateTime },
            { title: t("changeRequests.account"), dataIndex: "accountNumber" },
            { title: t("changeRequests.kind"), dataIndex: "kind", render: (k: string) => labelOf(t, CHANGE_KIND, k) },
            { title: t("changeRequests.wanted"), render: (_v, r) => wanted(t, r) },
            { title: t("changeRequests.comment"), dataIndex: "comment" },
            { title: t("changeRequests.status"), dataIndex: "status", render: (s: string) => <Tag color={CHANGE_STATUS[s]?.color}>{labelOf(t, CHANGE_STATUS, s)}</Tag> },
            { title: t("changeRequests.answer"), dataIndex: "answer" },
            ...(canResolve
              ? [{
                  title: "",
                  render: (_v: unknown, r: Request) =>
                    r.status === "NEW" ? <Button size="small" onClick={() => setCurrent(r)}>{t("changeRequests.review")}</Button> : null,
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
  const { t } = useTranslation("portal");
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
    <Modal open title={t("changeRequests.modalTitle", { number: request.accountNumber })} onCancel={onClose} onOk={() => form.submit()}
      okText={t("changeRequests.saveDecision")} cancelText={t("changeRequests.cancel")} confirmLoading={resolve.isPending}>
      <p>
        {labelOf(t, CHANGE_KIND, request.kind)}: {wanted(t, request)}
      </p>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ accept: true }}>
        <Form.Item label={t("changeRequests.decision")} name="accept">
          <Radio.Group>
            <Radio value={true}>{request.kind !== "OTHER" ? t("changeRequests.acceptWithChange") : t("changeRequests.accept")}</Radio>
            <Radio value={false}>{t("changeRequests.reject")}</Radio>
          </Radio.Group>
        </Form.Item>
        <Form.Item label={t("changeRequests.answerLabel")} name="answer" rules={[{ required: accept === false, message: t("changeRequests.answerRequired") }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
        {error && <Alert type="error" showIcon role="alert" title={error} />}
      </Form>
    </Modal>
  );
}
