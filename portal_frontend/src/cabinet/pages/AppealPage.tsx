// One appeal: its messages, a reply, closing.
import { ArrowLeftOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Flex, Form, Input, List, Popconfirm, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router-dom";
import { payload } from "../../shared/api";
import { formatDateTime } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import { AppealStatusTag } from "../common";
import { AppealCloseMutation, AppealQuery, AppealReplyMutation } from "../queries";

export default function AppealPage() {
  const { t } = useTranslation("cabinet");
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const appeal = useGql(AppealQuery, { id });
  const a = appeal.data?.appeal;
  const [form] = Form.useForm<{ text: string }>();
  const [error, setError] = useState<string | null>(null);
  const reply = useGqlMutation(AppealReplyMutation, ["CabinetAppeal", "CabinetAppeals"]);
  const close = useGqlMutation(AppealCloseMutation, ["CabinetAppeal", "CabinetAppeals"]);
  const { message } = App.useApp();

  const send = async (values: { text: string }) => {
    setError(null);
    try {
      payload(await reply.mutateAsync({ id, text: values.text }));
      form.resetFields();
      message.success(t("appeal.messageSent"));
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  const doClose = async () => {
    try {
      payload(await close.mutateAsync({ id }));
      message.success(t("appeal.closedMessage"));
    } catch (exc) {
      message.error(exc instanceof Error ? exc.message : String(exc));
    }
  };

  return (
    <Flex vertical gap={16}>
      <div>
        <Button type="link" icon={<ArrowLeftOutlined />} onClick={() => navigate("/appeals")} style={{ padding: 0 }}>
          {t("appeal.all")}
        </Button>
      </div>
      <QueryState loading={appeal.isLoading} error={appeal.error} retry={() => appeal.refetch()} empty={!a} emptyText={t("appeal.notFound")}>
        {a && (
          <>
            <Typography.Title level={2} style={{ margin: 0 }}>
              {a.number}: {a.subject}
            </Typography.Title>
            <Flex gap={8} wrap align="center">
              <AppealStatusTag status={a.status} />
              <Typography.Text type="secondary">
                {t("appeal.to", { to: a.principalName ?? t("appeals.agent") })}
                {a.els ? ` · ${t("appeal.els", { els: a.els })}` : ""} · {t("appeal.created", { date: formatDateTime(a.createdAt) })}
              </Typography.Text>
            </Flex>
            <Card title={t("appeal.conversation")}>
              <List
                dataSource={a.messages}
                rowKey={(m) => m.id}
                renderItem={(m) => (
                  <List.Item>
                    <Flex vertical gap={4} style={{ width: "100%" }}>
                      <Flex gap={8} wrap align="center">
                        <Typography.Text strong>{m.authorName}</Typography.Text>
                        {m.fromStaff && <Tag color="blue">{t("appeal.reply")}</Tag>}
                        <Typography.Text type="secondary">{formatDateTime(m.createdAt)}</Typography.Text>
                      </Flex>
                      <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{m.text}</Typography.Paragraph>
                    </Flex>
                  </List.Item>
                )}
              />
            </Card>
            {a.status !== "CLOSED" && (
              <Card title={t("appeal.write")}>
                {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
                <Form form={form} layout="vertical" onFinish={send} requiredMark={false}>
                  <Form.Item label={t("appeal.message")} name="text" rules={[{ required: true, message: t("appeal.messageRequired") }]}>
                    <Input.TextArea rows={3} maxLength={5000} />
                  </Form.Item>
                  <Flex gap={8} wrap>
                    <Button type="primary" htmlType="submit" loading={reply.isPending}>
                      {t("common.send")}
                    </Button>
                    <Popconfirm title={t("appeal.closeConfirm")} okText={t("appeal.close")} cancelText={t("common.cancel")} onConfirm={doClose}>
                      <Button loading={close.isPending}>{t("appeal.closeAppeal")}</Button>
                    </Popconfirm>
                  </Flex>
                </Form>
              </Card>
            )}
          </>
        )}
      </QueryState>
    </Flex>
  );
}
