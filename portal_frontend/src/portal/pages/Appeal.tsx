// One appeal: the thread of messages, an answer (optionally closing it), closing.
import { ArrowLeftOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Checkbox, Descriptions, Form, Input, List, Popconfirm, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { graphql } from "../../gql";
import { payload } from "../../shared/api";
import { applyErrors } from "../../shared/forms";
import { QueryState } from "../../shared/QueryState";
import { formatDateTime } from "../../shared/format";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { APPEAL_STATUS } from "../labels";
import { labelOf } from "../../shared/labels";

const AppealQuery = graphql(`
  query PortalAppeal($id: ID!) {
    appeal(id: $id) {
      id number subject status els authorName createdAt updatedAt
      messages { id authorName fromStaff text createdAt }
    }
  }
`);

const ReplyMutation = graphql(`
  mutation PortalAppealReply($id: ID!, $text: String!, $close: Boolean) {
    appealReply(id: $id, text: $text, close: $close) {
      errors { field message code }
      appeal { id status }
    }
  }
`);

const CloseMutation = graphql(`
  mutation PortalAppealClose($id: ID!) {
    appealClose(id: $id) {
      errors { field message code }
      appeal { id status }
    }
  }
`);

export default function AppealPage() {
  const { t } = useTranslation("portal");
  const { id = "" } = useParams();
  const q = useGql(AppealQuery, { id });
  const a = q.data?.appeal;
  const [form] = Form.useForm();
  const reply = useGqlMutation(ReplyMutation, ["PortalAppeal", "PortalAppeals"]);
  const close = useGqlMutation(CloseMutation, ["PortalAppeal", "PortalAppeals"]);
  const [error, setError] = useState<string | null>(null);

  const send = async (v: { text: string; close?: boolean }) => {
    setError(null);
    try {
      payload(await reply.mutateAsync({ id, text: v.text, close: !!v.close }));
      form.resetFields();
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  const doClose = async () => {
    setError(null);
    try {
      payload(await close.mutateAsync({ id }));
    } catch (exc) {
      setError(applyErrors(null, exc));
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Link to="/appeals">
        <ArrowLeftOutlined /> {t("appeal.back")}
      </Link>
      <QueryState loading={q.isLoading} error={q.error} retry={q.refetch} empty={!!q.data && !a} emptyText={t("appeal.notFound")}>
        {a && (
          <>
            <Typography.Title level={2} style={{ margin: 0 }}>
              {a.number}: {a.subject}
            </Typography.Title>
            <Descriptions size="small" column={{ xs: 1, md: 3 }}>
              <Descriptions.Item label={t("appeal.author")}>{a.authorName}</Descriptions.Item>
              <Descriptions.Item label={t("appeal.els")}>{a.els ?? "—"}</Descriptions.Item>
              <Descriptions.Item label={t("appeal.status")}>
                <Tag color={APPEAL_STATUS[a.status]?.color}>{labelOf(t, APPEAL_STATUS, a.status)}</Tag>
              </Descriptions.Item>
            </Descriptions>
            <Card title={t("appeal.thread")}>
              <List
                dataSource={a.messages}
                renderItem={(m) => (
                  <List.Item style={{ justifyContent: m.fromStaff ? "flex-end" : "flex-start" }}>
                    <div style={{ maxWidth: 640, background: m.fromStaff ? "#e6f4ff" : "#f5f5f5", padding: 12, borderRadius: 8 }}>
                      <Typography.Text strong>{m.authorName}</Typography.Text>{" "}
                      <Typography.Text type="secondary">{formatDateTime(m.createdAt)}</Typography.Text>
                      <div style={{ whiteSpace: "pre-wrap", marginTop: 4 }}>{m.text}</div>
                    </div>
                  </List.Item>
                )}
              />
            </Card>
            {error && <Alert type="error" showIcon role="alert" title={error} />}
            {a.status !== "CLOSED" && (
              <Card title={t("appeal.reply")}>
                <Form form={form} layout="vertical" onFinish={send}>
                  <Form.Item label={t("appeal.replyText")} name="text" rules={[{ required: true, message: t("appeal.replyRequired") }]}>
                    <Input.TextArea rows={4} />
                  </Form.Item>
                  <Form.Item name="close" valuePropName="checked">
                    <Checkbox>{t("appeal.closeWithReply")}</Checkbox>
                  </Form.Item>
                  <Space wrap>
                    <Button type="primary" htmlType="submit" loading={reply.isPending}>
                      {t("appeal.send")}
                    </Button>
                    <Popconfirm title={t("appeal.closeConfirm")} okText={t("appeal.closeOk")} cancelText={t("appeal.cancel")} onConfirm={doClose}>
                      <Button loading={close.isPending}>{t("appeal.close")}</Button>
                    </Popconfirm>
                  </Space>
                </Form>
              </Card>
            )}
          </>
        )}
      </QueryState>
    </Space>
  );
}
