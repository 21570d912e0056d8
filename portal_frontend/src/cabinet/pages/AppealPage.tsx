// One appeal: its messages, a reply, closing.
import { ArrowLeftOutlined } from "@ant-design/icons";
import { Alert, App, Button, Card, Flex, Form, Input, List, Popconfirm, Tag, Typography } from "antd";
import { useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { payload } from "../../shared/api";
import { formatDateTime } from "../../shared/format";
import { applyErrors } from "../../shared/forms";
import { useGql, useGqlMutation } from "../../shared/hooks";
import { QueryState } from "../../shared/QueryState";
import { AppealStatusTag } from "../common";
import { AppealCloseMutation, AppealQuery, AppealReplyMutation } from "../queries";

export default function AppealPage() {
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
      message.success("Сообщение отправлено");
    } catch (exc) {
      setError(applyErrors(form, exc));
    }
  };
  const doClose = async () => {
    try {
      payload(await close.mutateAsync({ id }));
      message.success("Обращение закрыто");
    } catch (exc) {
      message.error(exc instanceof Error ? exc.message : String(exc));
    }
  };

  return (
    <Flex vertical gap={16}>
      <div>
        <Button type="link" icon={<ArrowLeftOutlined />} onClick={() => navigate("/appeals")} style={{ padding: 0 }}>
          Все обращения
        </Button>
      </div>
      <QueryState loading={appeal.isLoading} error={appeal.error} retry={() => appeal.refetch()} empty={!a} emptyText="Обращение не найдено">
        {a && (
          <>
            <Typography.Title level={2} style={{ margin: 0 }}>
              {a.number}: {a.subject}
            </Typography.Title>
            <Flex gap={8} wrap align="center">
              <AppealStatusTag status={a.status} />
              <Typography.Text type="secondary">
                Кому: {a.principalName ?? "ЕРЦ (агент)"}
                {a.els ? ` · ЕЛС ${a.els}` : ""} · создано {formatDateTime(a.createdAt)}
              </Typography.Text>
            </Flex>
            <Card title="Переписка">
              <List
                dataSource={a.messages}
                rowKey={(m) => m.id}
                renderItem={(m) => (
                  <List.Item>
                    <Flex vertical gap={4} style={{ width: "100%" }}>
                      <Flex gap={8} wrap align="center">
                        <Typography.Text strong>{m.authorName}</Typography.Text>
                        {m.fromStaff && <Tag color="blue">ответ</Tag>}
                        <Typography.Text type="secondary">{formatDateTime(m.createdAt)}</Typography.Text>
                      </Flex>
                      <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{m.text}</Typography.Paragraph>
                    </Flex>
                  </List.Item>
                )}
              />
            </Card>
            {a.status !== "CLOSED" && (
              <Card title="Написать">
                {error && <Alert type="error" showIcon role="alert" title={error} style={{ marginBottom: 16 }} />}
                <Form form={form} layout="vertical" onFinish={send} requiredMark={false}>
                  <Form.Item label="Сообщение" name="text" rules={[{ required: true, message: "Напишите сообщение" }]}>
                    <Input.TextArea rows={3} maxLength={5000} />
                  </Form.Item>
                  <Flex gap={8} wrap>
                    <Button type="primary" htmlType="submit" loading={reply.isPending}>
                      Отправить
                    </Button>
                    <Popconfirm title="Закрыть обращение?" okText="Закрыть" cancelText="Отмена" onConfirm={doClose}>
                      <Button loading={close.isPending}>Закрыть обращение</Button>
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
